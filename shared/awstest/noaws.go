package awstest

import (
	"os"
	"path/filepath"
	"testing"
)

// awsVariables are the environment variables that configure the SDK's
// credentials, region and endpoints.
var awsVariables = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
	"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_ROLE_ARN", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE", "AWS_EC2_METADATA_SERVICE_ENDPOINT"}

// NoAWS leaves the test with no AWS configuration at all, as on a laptop that
// never ran `aws configure`: no AWS variables, no shared files, an empty home.
// The instance metadata service is disabled, so nothing can reach its address.
func NoAWS(t *testing.T) {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, "no-aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, "no-aws-credentials"))
	for _, k := range awsVariables {
		t.Setenv(k, "") // restored when the test ends
		os.Unsetenv(k)  // set but empty still counts for some of them
	}
}

// NoAWSEnv is the whole environment of a child process with no AWS
// configuration at all (see NoAWS), plus extra entries (KEY=value).
func NoAWSEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	home := t.TempDir()
	return append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "no-aws-credentials")}, extra...)
}

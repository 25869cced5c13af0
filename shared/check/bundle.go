package check

import (
	"os"
	"path/filepath"
)

// BundledName is the checks file's name beside a function's bootstrap.
const BundledName = "checks.yaml"

// EnvChecksFile names the environment variable that overrides where a
// function finds its checks file.
const EnvChecksFile = "LOOKOUT_CHECKS_FILE"

// ChecksFile is where a Lambda function loads its checks file from: the path
// in EnvChecksFile, else BundledFile.
func ChecksFile(getenv func(string) string, executable string) string {
	if f := getenv(EnvChecksFile); f != "" {
		return f
	}
	return BundledFile(getenv, executable)
}

// BundledFile is where a Lambda function finds the checks file the build put
// beside its bootstrap: next to the executable, else in LAMBDA_TASK_ROOT.
// getenv is os.Getenv in production; executable is os.Executable's answer.
// When neither exists it returns the first place looked, so loading it
// names a path a person can check.
func BundledFile(getenv func(string) string, executable string) string {
	var beside string
	if executable != "" {
		beside = filepath.Join(filepath.Dir(executable), BundledName)
		if _, err := os.Stat(beside); err == nil {
			return beside
		}
	}
	if root := getenv("LAMBDA_TASK_ROOT"); root != "" {
		return filepath.Join(root, BundledName)
	}
	if beside != "" {
		return beside
	}
	return BundledName
}

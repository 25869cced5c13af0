package deploy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/check"
)

// ErrNotDeployable marks a reference that `lookout run` can resolve on a
// laptop but a deployed probe cannot.
var ErrNotDeployable = errors.New("cannot be resolved by a deployed probe")

// checkDeployableRefs refuses the references the probe functions in regions
// could not resolve at init, each at its file:line and field, with the fix:
//
//   - ${env:NAME}: the template sets no such variable in the function, so the
//     round would fail from every location at once;
//   - a Secrets Manager ARN of another region: each location's probe reads its
//     own region's secrets (and its role is scoped to them).
func checkDeployableRefs(cfg *check.Config, regions ...string) error {
	var errs check.Errors
	for _, fr := range cfg.Refs() {
		var msg string
		switch fr.Ref.Kind {
		case check.RefEnv:
			msg = fmt.Sprintf("%s: a deployed probe has no environment variable %s: store the value in SSM Parameter Store as ${ssm:/%s/%s} (or in Secrets Manager as ${secret:%s/%s}) in every location's region",
				fr.Ref, fr.Ref.Arg, SecretsPath(cfg.App), envToPath(fr.Ref.Arg), SecretsPath(cfg.App), envToPath(fr.Ref.Arg))
		case check.RefSecret:
			id, _, _ := strings.Cut(fr.Ref.Arg, "#")
			r, ok := arnRegion(id)
			if !ok {
				break
			}
			var elsewhere []string
			for _, region := range regions {
				if region != r {
					elsewhere = append(elsewhere, region)
				}
			}
			if len(elsewhere) > 0 {
				msg = fmt.Sprintf("%s: the secret is in %s but the %s %s only its own region's secrets: refer to it by name (${secret:%s}) and replicate it to every location's region",
					fr.Ref, r, strings.Join(elsewhere, ", "), plural(len(elsewhere), "probe reads", "probes read each"), secretName(id))
			}
		}
		if msg != "" {
			errs = append(errs, &check.FieldError{File: cfg.File, Line: fr.Line, Field: fr.Field, Err: fmt.Errorf("%w: %s", ErrNotDeployable, msg)})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// CheckDeploy refuses what `lookout deploy-params` would refuse for any of
// the checks file's stacks: the plan, references no deployed probe can
// resolve, secrets outside the probe's path, and every quota. It returns
// the quota figures, as Measure does.
func CheckDeploy(cfg *check.Config) (Figures, error) {
	_, err := Plan(cfg)
	errs := []error{err, checkDeployableRefs(cfg, alarm.LocationRegions(cfg)...), checkSecretPaths(cfg)}
	f, err := Measure(cfg)
	return f, errors.Join(append(errs, err)...)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// arnRegion is the region of an ARN (arn:partition:service:region:account:...).
func arnRegion(s string) (string, bool) {
	a, err := arn.Parse(s)
	return a.Region, err == nil && a.Region != ""
}

// secretName is a Secrets Manager ARN's secret name, without the random
// six-character suffix Secrets Manager appends.
func secretName(arn string) string {
	_, name, ok := strings.Cut(arn, ":secret:")
	if !ok {
		return arn
	}
	if i := strings.LastIndex(name, "-"); i > 0 && len(name)-i == 7 {
		name = name[:i]
	}
	return name
}

// envToPath suggests a parameter name for an environment variable:
// MONITOR_TOKEN -> monitor-token.
func envToPath(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, "_", "-"))
}

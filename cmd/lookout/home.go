package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/smithy-go"

	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/deploy"
	"github.com/lookout-monitoring/lookout/shared/ledger"
)

// The home stack's outputs the CLI finds the deployed parts by
// (template.yaml, Outputs; a test holds the template to these names).
const (
	outputLedgerTable    = "LedgerTableName"
	outputNotifyFunction = "NotifyFunctionName"
)

// awsCredentialsHint follows "no AWS credentials".
const awsCredentialsHint = "set AWS_PROFILE (for SSO, after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, for the account the app is deployed in"

// recordStore is what the maintenance commands ask of the ledger
// (ledger.Store; ledger.Memory in tests).
type recordStore interface {
	PutRecord(ctx context.Context, app, kind, id string, doc []byte, expires time.Time) error
	ListRecords(ctx context.Context, app, kind string, now time.Time) ([]ledger.Record, error)
}

// invoker is the one Lambda call `lookout test-page` makes.
type invoker interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, opts ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// stackDescriber is the one CloudFormation call that finds the ledger and
// the notifier: the home stack's outputs.
type stackDescriber interface {
	DescribeStacks(ctx context.Context, in *cloudformation.DescribeStacksInput, opts ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error)
}

var (
	_ recordStore    = (*ledger.Store)(nil)
	_ recordStore    = (*ledger.Memory)(nil)
	_ invoker        = (*lambda.Client)(nil)
	_ stackDescriber = (*cloudformation.Client)(nil)
)

// homeClients make the clients of the home region's parts from an AWS
// configuration whose Region is the home region. A nil field is the SDK's
// client; tests give fakes.
type homeClients struct {
	records func(cfg aws.Config, table string) recordStore
	invoker func(cfg aws.Config) invoker
	stacks  func(cfg aws.Config) stackDescriber
}

// setupError is a command that cannot start because something it needs from
// outside is missing: AWS credentials, the home stack, one of its outputs, a
// table or function by the name given. It exits 2, as a usage error does; a
// call that AWS refuses or that fails exits 1.
type setupError struct{ error }

func (e setupError) Unwrap() error { return e.error }

// exitFor is the exit code of a command that failed with err.
func exitFor(err error) int {
	var s setupError
	if errors.As(err, &s) {
		return exitUsage
	}
	return exitFailed
}

// deployedFlags are the flags that say where the deployed app is. Without
// them, the home stack is the one `make deploy` creates for the checks
// file's home location, and its outputs name the rest.
type deployedFlags struct {
	file, stack *string
}

func addDeployedFlags(fs *flag.FlagSet, file string) deployedFlags {
	return deployedFlags{
		file:  fs.String("f", defaultFile, file),
		stack: fs.String("stack", "", "the home region's stack (default: lookout-<config-env of the home location>, as samconfig.toml names it)"),
	}
}

// deployment is where one command finds the deployed app: its home region,
// the AWS configuration and the home stack's outputs, each looked up once
// and only when the command needs it.
type deployment struct {
	a     app
	cfg   *check.Config
	stack string // --stack, or "" for the home location's

	awsCfg    aws.Config
	awsErr    error
	awsLoaded bool
	outputs   map[string]string
	stackName string
}

func (a app) deployment(cfg *check.Config, stack string) *deployment {
	return &deployment{a: a, cfg: cfg, stack: stack}
}

// region is the home region: where the ledger and the notifier are.
func (d *deployment) region() string { return d.cfg.HomeRegion }

// homeStack names the home location's stack as samconfig.toml does:
// lookout-<config-env> (shared/deploy's tests hold samconfig.toml to it).
func homeStack(cfg *check.Config) (string, error) {
	stacks, err := deploy.Plan(cfg)
	if err != nil {
		return "", setupError{fmt.Errorf("%s: %w", cfg.File, err)}
	}
	for _, s := range stacks {
		if s.Home {
			return deploy.StackName(s.ConfigEnv), nil
		}
	}
	return "", setupError{fmt.Errorf("%s: no location is the home region %s", cfg.File, cfg.HomeRegion)}
}

// config loads the AWS configuration for the home region, once, and makes
// sure it has credentials, so that a laptop without them is told so in
// those words rather than by the first call's error.
func (d *deployment) config(ctx context.Context) (aws.Config, error) {
	if d.awsLoaded {
		return d.awsCfg, d.awsErr
	}
	d.awsLoaded = true
	d.awsCfg, d.awsErr = d.loadConfig(ctx)
	return d.awsCfg, d.awsErr
}

func (d *deployment) loadConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := d.a.awsConfig(ctx, d.region())
	if err != nil {
		return cfg, setupError{fmt.Errorf("AWS configuration: %w", err)}
	}
	// Whatever region this machine defaults to, the ledger and the notifier
	// are in the home region.
	cfg.Region = d.region()
	if cfg.Credentials == nil {
		return cfg, setupError{fmt.Errorf("no AWS credentials: %s", awsCredentialsHint)}
	}
	if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
		return cfg, setupError{fmt.Errorf("no AWS credentials: %w\n%s", err, awsCredentialsHint)}
	}
	return cfg, nil
}

func (a app) homeClients() homeClients {
	c := a.clients
	if c.records == nil {
		c.records = func(cfg aws.Config, table string) recordStore {
			return ledger.New(awsclient.DynamoDB(cfg, cfg.Region, ""), table, ledger.WithClock(a.clock))
		}
	}
	if c.invoker == nil {
		c.invoker = func(cfg aws.Config) invoker { return lambda.NewFromConfig(cfg) }
	}
	if c.stacks == nil {
		c.stacks = func(cfg aws.Config) stackDescriber { return cloudformation.NewFromConfig(cfg) }
	}
	return c
}

// output is one output of the home stack; flag is the flag that gives the
// same value directly, for the message when the stack lacks it.
func (d *deployment) output(ctx context.Context, name, flag string) (string, error) {
	if d.outputs == nil {
		if err := d.readOutputs(ctx, flag); err != nil {
			return "", err
		}
	}
	v := d.outputs[name]
	if v == "" {
		return "", setupError{fmt.Errorf("stack %s in %s has no output %s: it predates the incident ledger; deploy the current template (make deploy), or give --%s NAME",
			d.stackName, d.region(), name, flag)}
	}
	return v, nil
}

func (d *deployment) readOutputs(ctx context.Context, flag string) error {
	stack := d.stack
	if stack == "" {
		var err error
		if stack, err = homeStack(d.cfg); err != nil {
			return err
		}
	}
	d.stackName = stack
	cfg, err := d.config(ctx)
	if err != nil {
		return err
	}
	out, err := d.a.homeClients().stacks(cfg).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stack)})
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist") || err == nil && len(out.Stacks) == 0 {
		return setupError{fmt.Errorf("no stack %s in %s, the home region of %s: deploy it first (make deploy), name it with --stack, or give --%s NAME",
			stack, d.region(), d.cfg.File, flag)}
	}
	if err != nil {
		return fmt.Errorf("reading the outputs of stack %s in %s: %w", stack, d.region(), err)
	}
	d.outputs = map[string]string{}
	for _, o := range out.Stacks[0].Outputs {
		if o.OutputKey != nil && o.OutputValue != nil {
			d.outputs[*o.OutputKey] = *o.OutputValue
		}
	}
	return nil
}

// where says where a part was found, for the commands' output.
func (d *deployment) where(name string) string {
	if d.stackName == "" {
		return fmt.Sprintf("%s (%s)", name, d.region())
	}
	return fmt.Sprintf("%s (%s, stack %s)", name, d.region(), d.stackName)
}

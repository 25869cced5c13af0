package secrets

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/logging"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Resolvers returns the resolvers for env, ssm and secret references, built
// from an AWS config.
func Resolvers(cfg aws.Config) check.Resolvers {
	return check.Resolvers{
		check.RefEnv:    check.EnvResolver,
		check.RefSSM:    SSM(ssm.NewFromConfig(cfg)),
		check.RefSecret: SecretsManager(secretsmanager.NewFromConfig(cfg)),
	}
}

// ErrNoCredentials says an ssm or secret reference was met where no AWS
// credentials can be had.
var ErrNoCredentials = errors.New("needs AWS credentials")

// CredentialsError says why no AWS credentials could be had, in the SDK's own
// words (nothing configured, an expired SSO session, an unknown profile, ...).
// It matches ErrNoCredentials and its cause.
type CredentialsError struct{ Err error }

func (e *CredentialsError) Error() string { return "needs AWS credentials: " + e.Err.Error() }

func (e *CredentialsError) Unwrap() []error { return []error{ErrNoCredentials, e.Err} }

// LoadConfig loads the default AWS configuration (environment, shared files,
// SSO, container or instance role) for a command-line run. region is used when
// none is configured. The SDK's log lines are dropped: on a laptop the last
// resort of the credential chain, the instance metadata service, is not there
// and the SDK would warn about it on stderr. What went wrong is in the error
// of the first call that needs credentials.
func LoadConfig(ctx context.Context, region string, optFns ...func(*config.LoadOptions) error) (aws.Config, error) {
	opts := append([]func(*config.LoadOptions) error{config.WithLogger(logging.Nop{}), config.WithDefaultRegion(region)}, optFns...)
	return config.LoadDefaultConfig(ctx, opts...)
}

// LazyResolvers resolves env references at once, and ssm and secret references
// through the AWS configuration load returns. load is called once, when the
// first ssm or secret reference is resolved, so a run that needs no AWS secret
// never reads an AWS configuration nor touches the credential chain. Without
// credentials those references fail with a *CredentialsError.
func LazyResolvers(load func(context.Context) (aws.Config, error)) check.Resolvers {
	var (
		once sync.Once
		rs   check.Resolvers
		err  error
	)
	connect := func(ctx context.Context) (check.Resolvers, error) {
		once.Do(func() {
			cfg, lerr := load(ctx)
			if lerr != nil {
				err = &CredentialsError{Err: fmt.Errorf("AWS configuration: %w", lerr)}
				return
			}
			if cfg.Credentials == nil {
				err = &CredentialsError{Err: errors.New("no credentials provider")}
				return
			}
			if _, cerr := cfg.Credentials.Retrieve(ctx); cerr != nil {
				err = &CredentialsError{Err: cerr}
				return
			}
			rs = Resolvers(cfg)
		})
		return rs, err
	}
	lazy := func(kind string) check.Resolver {
		return check.ResolverFunc(func(ctx context.Context, ref check.Ref) (string, error) {
			rs, err := connect(ctx)
			if err != nil {
				return "", err
			}
			return rs[kind].Resolve(ctx, ref)
		})
	}
	return check.Resolvers{
		check.RefEnv:    check.EnvResolver,
		check.RefSSM:    lazy(check.RefSSM),
		check.RefSecret: lazy(check.RefSecret),
	}
}

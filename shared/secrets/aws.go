package secrets

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

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

// LazyResolvers resolves env references at once and loads the default AWS
// configuration only when an ssm or secret reference is met; without
// credentials those references fail with ErrNoCredentials, naming the field.
func LazyResolvers() check.Resolvers {
	var (
		once sync.Once
		rs   check.Resolvers
		err  error
	)
	load := func(ctx context.Context) (check.Resolvers, error) {
		once.Do(func() {
			var cfg aws.Config
			cfg, err = config.LoadDefaultConfig(ctx)
			if err != nil {
				err = fmt.Errorf("AWS configuration: %w", err)
				return
			}
			if _, cerr := cfg.Credentials.Retrieve(ctx); cerr != nil {
				err = ErrNoCredentials
				return
			}
			rs = Resolvers(cfg)
		})
		return rs, err
	}
	lazy := func(kind string) check.Resolver {
		return check.ResolverFunc(func(ctx context.Context, ref check.Ref) (string, error) {
			rs, err := load(ctx)
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

// Package secrets resolves the ${ssm:/path} and ${secret:name} references of a
// checks file through AWS: SSM Parameter Store (SecureString decrypted) and
// Secrets Manager. Each reference is fetched once and cached for the life of
// the process, so a warm Lambda does not call AWS on every round.
package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// ParameterGetter is the one SSM call used.
type ParameterGetter interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// SecretGetter is the one Secrets Manager call used.
type SecretGetter interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// cached wraps a resolver so each reference is looked up once.
type cached struct {
	mu    sync.Mutex
	items map[check.Ref]string
	next  check.Resolver
}

func (c *cached) Resolve(ctx context.Context, ref check.Ref) (string, error) {
	c.mu.Lock()
	v, ok := c.items[ref]
	c.mu.Unlock()
	if ok {
		return v, nil
	}
	v, err := c.next.Resolve(ctx, ref)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.items[ref] = v
	c.mu.Unlock()
	return v, nil
}

// Cached returns r behind a process-lifetime cache.
func Cached(r check.Resolver) check.Resolver {
	return &cached{items: map[check.Ref]string{}, next: r}
}

// SSM resolves ${ssm:/path} with decryption.
func SSM(client ParameterGetter) check.Resolver {
	return Cached(check.ResolverFunc(func(ctx context.Context, ref check.Ref) (string, error) {
		out, err := client.GetParameter(ctx, &ssm.GetParameterInput{Name: &ref.Arg, WithDecryption: ptr(true)})
		if err != nil {
			return "", fmt.Errorf("SSM parameter %s: %w", ref.Arg, err)
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", fmt.Errorf("SSM parameter %s has no value", ref.Arg)
		}
		return *out.Parameter.Value, nil
	}))
}

// SecretsManager resolves ${secret:name} and ${secret:name#key}; with #key the
// secret must be a JSON object and the key's value is used.
func SecretsManager(client SecretGetter) check.Resolver {
	return Cached(check.ResolverFunc(func(ctx context.Context, ref check.Ref) (string, error) {
		id, key, hasKey := strings.Cut(ref.Arg, "#")
		out, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id})
		if err != nil {
			return "", fmt.Errorf("secret %s: %w", id, err)
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("secret %s is binary; store it as a string", id)
		}
		if !hasKey {
			return *out.SecretString, nil
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(*out.SecretString), &fields); err != nil {
			return "", fmt.Errorf("secret %s is not a JSON object, so #%s cannot be read", id, key)
		}
		v, ok := fields[key]
		if !ok {
			return "", fmt.Errorf("secret %s has no key %q", id, key)
		}
		switch v := v.(type) {
		case string:
			return v, nil
		case nil:
			return "", fmt.Errorf("secret %s: key %q is null", id, key)
		default:
			b, _ := json.Marshal(v)
			return string(b), nil
		}
	}))
}

func ptr[T any](v T) *T { return &v }

package check_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

const checksWithScopes = `app: shop
control: {url: "https://control.example/${env:CONTROL_TOKEN}"}
areas:
  - id: Home
    request: {url: https://shop.example/}
  - id: Api
    request:
      url: https://shop.example/api
      headers: {Authorization: "Bearer ${ssm:/shop/token}"}
  - id: Login
    steps:
      - method: POST
        url: https://shop.example/login
        body: '{"password": "${env:SHOP_PASSWORD}"}'
        capture: {session: {header: X-Session}}
      - url: https://shop.example/me?s=${var:session}
`

// recorder resolves every reference to "v-<arg>" and records what it was asked.
type recorder []check.Ref

func (r *recorder) Resolve(_ context.Context, ref check.Ref) (string, error) {
	*r = append(*r, ref)
	return "v-" + ref.Arg, nil
}

// TestResolveOnlyWhatIsProbed: the control probe and each area resolve their
// own references and no one else's, so a run of some areas needs only their secrets.
func TestResolveOnlyWhatIsProbed(t *testing.T) {
	c, err := check.Parse("checks.yaml", []byte(checksWithScopes))
	if err != nil {
		t.Fatal(err)
	}
	var asked recorder
	rs := check.Resolvers{check.RefEnv: &asked, check.RefSSM: &asked}
	ctx := context.Background()

	if err := c.ResolveAreaSecrets(ctx, rs, &c.Areas[0]); err != nil || len(asked) != 0 {
		t.Fatalf("an area without references: %v, asked %v", err, asked)
	}
	if err := c.ResolveControlSecrets(ctx, rs); err != nil || len(asked) != 1 || c.Control.URL != "https://control.example/v-CONTROL_TOKEN" {
		t.Fatalf("control: %v, asked %v, url %s", err, asked, c.Control.URL)
	}
	if err := c.ResolveAreaSecrets(ctx, rs, &c.Areas[2]); err != nil {
		t.Fatal(err)
	}
	if got := c.Areas[2].Steps[0].Body; got != `{"password": "v-SHOP_PASSWORD"}` {
		t.Errorf("login body %q", got)
	}
	if got := c.Areas[2].Steps[1].URL; got != "https://shop.example/me?s=${var:session}" {
		t.Errorf("a captured variable is filled in by the prober, not here: %q", got)
	}
	if got := c.Areas[1].Request.Headers["Authorization"]; got != "Bearer ${ssm:/shop/token}" {
		t.Errorf("an area not asked for was resolved: %q", got)
	}
	if len(asked) != 2 || asked[1] != (check.Ref{Kind: check.RefEnv, Arg: "SHOP_PASSWORD"}) {
		t.Errorf("asked %v", asked)
	}
	if red := c.Redact("pw v-SHOP_PASSWORD"); red != "pw <redacted>" {
		t.Errorf("a value resolved for one area is not redacted: %q", red)
	}
	other := check.Area{ID: "Elsewhere"}
	if err := c.ResolveAreaSecrets(ctx, rs, &other); err == nil || !strings.Contains(err.Error(), "area Elsewhere is not one of") {
		t.Errorf("an area of another file: %v", err)
	}
}

// TestUnresolvedReferenceIsARefError: each failure names its file, line and
// field, and carries the reference and the resolver's error.
func TestUnresolvedReferenceIsARefError(t *testing.T) {
	c, err := check.Parse("checks.yaml", []byte(checksWithScopes))
	if err != nil {
		t.Fatal(err)
	}
	denied := errors.New("access denied")
	rs := check.Resolvers{check.RefSSM: check.ResolverFunc(func(context.Context, check.Ref) (string, error) { return "", denied })}
	err = c.ResolveAreaSecrets(context.Background(), rs, &c.Areas[1])
	var errs check.Errors
	var re *check.RefError
	if !errors.As(err, &errs) || len(errs) != 1 || !errors.As(err, &re) || !errors.Is(err, denied) {
		t.Fatalf("%T %v", err, err)
	}
	if re.Ref != (check.Ref{Kind: check.RefSSM, Arg: "/shop/token"}) {
		t.Errorf("ref %v", re.Ref)
	}
	if want := "checks.yaml:9: areas[1].request.headers.Authorization: ${ssm:/shop/token}: access denied"; errs[0].Error() != want {
		t.Errorf("got  %s\nwant %s", errs[0], want)
	}
	// A kind with no resolver says so, in the same form.
	err = c.ResolveAreaSecrets(context.Background(), check.Resolvers{}, &c.Areas[2])
	if !errors.Is(err, check.ErrNoResolver) || !errors.As(err, &re) || re.Ref.Kind != check.RefEnv {
		t.Errorf("no resolver: %v", err)
	}
}

// A secret two areas share is fetched once, however the areas are resolved.
func TestASharedSecretIsFetchedOnce(t *testing.T) {
	c, err := check.Parse("checks.yaml", []byte(`app: shop
areas:
  - id: Api
    request: {url: https://shop.example/api, headers: {Authorization: "Bearer ${ssm:/shop/token}"}}
  - id: Admin
    request: {url: https://shop.example/admin, headers: {Authorization: "Bearer ${ssm:/shop/token}"}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var asked recorder
	rs := check.Resolvers{check.RefSSM: &asked}
	for i := range c.Areas {
		if err := c.ResolveAreaSecrets(context.Background(), rs, &c.Areas[i]); err != nil {
			t.Fatal(err)
		}
		if got := c.Areas[i].Request.Headers["Authorization"]; got != "Bearer v-/shop/token" {
			t.Errorf("%s: %q", c.Areas[i].ID, got)
		}
	}
	if len(asked) != 1 {
		t.Errorf("the shared secret was fetched %d times: %v", len(asked), asked)
	}
}

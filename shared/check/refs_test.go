package check_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
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
	if err := c.ResolveControlSecrets(ctx, rs); err != nil || len(asked) != 1 || c.Control.URL != "https://control.example/${env:CONTROL_TOKEN}" {
		t.Fatalf("control: %v, asked %v, url %s (a URL keeps its references as written)", err, asked, c.Control.URL)
	}
	if u, err := c.URL(c.Control.URL, nil); err != nil || u != "https://control.example/v-CONTROL_TOKEN" {
		t.Fatalf("control url %q, %v", u, err)
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

// values resolves ${env:NAME} from a map, the way a test wants it.
type values map[string]string

func (v values) Resolve(_ context.Context, r check.Ref) (string, error) {
	if s, ok := v[r.Arg]; ok {
		return s, nil
	}
	return "", errors.New("not set")
}

// TestMisplacedURLReferencesAreRefused: no reference in the scheme, in a part
// of the host or in the port; each refusal names its file, line and field.
func TestMisplacedURLReferencesAreRefused(t *testing.T) {
	const scheme = "a URL holding references starts with its scheme and :// written out (https://...); a reference cannot stand for the scheme"
	const host = "a reference in the host must be the whole host (https://${env:API_HOST}/), not a part of it"
	const port = "a reference cannot be the port alone: write the port, or let one reference be the whole host and port"
	for raw, want := range map[string]string{
		"${env:BASE}/health":                 "${env:BASE}: " + scheme,
		"${env:S}://shop.example/":           "${env:S}: " + scheme,
		"http${env:S}://shop.example/":       "${env:S}: " + scheme,
		"https:/${env:H}/":                   "${env:H}: " + scheme,
		"https://${env:STAGE}.shop.example/": "${env:STAGE}: " + host,
		"https://api.${env:DOMAIN}/":         "${env:DOMAIN}: " + host,
		"https://u@${env:H}${env:P}/":        "${env:H}: " + host,
		"https://[${env:V6}]/":               "${env:V6}: " + host,
		"https://shop.example:${env:PORT}/":  "${env:PORT}: " + port,
		"https://${env:H}:${env:PORT}/":      "${env:PORT}: " + port,
		"https://${env:H}:80${var:p}/":       "${var:p}: " + port,
	} {
		_, err := check.Parse("checks.yaml", []byte("app: shop\nareas:\n  - id: A\n    request:\n      url: '"+raw+"'\n"))
		var errs check.Errors
		if !errors.As(err, &errs) || len(errs) < 1 || !errors.Is(err, check.ErrReference) {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if got := errs[len(errs)-1].Error(); got != "checks.yaml:5: areas[0].request.url: "+want {
			t.Errorf("%s:\ngot  %s\nwant checks.yaml:5: areas[0].request.url: %s", raw, got, want)
		}
	}
	for _, raw := range []string{
		"https://${env:H}/", "https://${env:H}:8443/x", "https://u:${env:PW}@${env:H}/", "https://shop.example/${env:A}${env:B}?${env:C}#${env:D}",
		"https://${env:U}@shop.example/", "https://shop.example/$${literal}/${env:A}",
	} {
		if _, err := check.Parse("checks.yaml", []byte("app: shop\nareas:\n  - id: A\n    request:\n      url: '"+raw+"'\n")); err != nil {
			t.Errorf("%s: refused: %v", raw, err)
		}
	}
}

// TestShortSecretsAreRefused: a value too short to hide is refused where it
// is used, rather than shown in results; so is an empty one.
func TestShortSecretsAreRefused(t *testing.T) {
	c, err := check.Parse("checks.yaml", []byte(`app: shop
areas:
  - id: A
    request:
      url: https://shop.example/?k=${env:SHORT}
  - id: B
    request:
      url: https://shop.example/
      headers: {X-Key: "${env:SHORT}", X-Other: "${env:EMPTY}", X-Ok: "${env:OK}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs := check.Resolvers{check.RefEnv: values{"SHORT": "abc", "EMPTY": "", "OK": "long-enough"}}
	err = c.ResolveAreaSecrets(context.Background(), rs, &c.Areas[0])
	if want := "checks.yaml:5: areas[0].request.url: ${env:SHORT}: the value is 3 characters; secrets shorter than 4 cannot be hidden from messages"; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	// Area by area, every use is refused, not only the first.
	err = c.ResolveAreaSecrets(context.Background(), rs, &c.Areas[1])
	for _, want := range []string{
		"checks.yaml:9: areas[1].request.headers.X-Key: ${env:SHORT}: the value is 3 characters",
		"checks.yaml:9: areas[1].request.headers.X-Other: ${env:EMPTY}: the value is empty",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %s", err, want)
		}
	}
	if !errors.Is(err, check.ErrReference) {
		t.Errorf("not an ErrReference: %v", err)
	}
	if got := c.Redact("abc long-enough"); got != "abc <redacted>" {
		t.Errorf("redact %q", got)
	}
}

// TestEscapedDollarBrace: "$${" writes "${", with or without a closing brace.
func TestEscapedDollarBrace(t *testing.T) {
	for in, want := range map[string]string{
		"$${env:X}":  "${env:X}",
		"a$${b":      "a${b",
		"$$${var:v}": "$${var:v}",
		"$ ${var:v}": "$ V",
		"${ not":     "${ not",
		"$ {var:v}":  "$ {var:v}",
	} {
		if got := check.ExpandVars(in, map[string]string{"v": "V"}); got != want {
			t.Errorf("ExpandVars(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRedactHidesEveryForm: a secret is hidden as it is and as a URL's user
// info, path, query or fragment escapes it (values are sent escaped, and come
// back so), and inside a quoted string.
func TestRedactHidesEveryForm(t *testing.T) {
	const pw = `p@ss/w:rd#? "x"&=+%`
	c, err := check.Parse("checks.yaml", []byte("app: shop\nareas: [{id: A, request: {url: 'https://u:${env:PW}@shop.example/'}}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: values{"PW": pw}}); err != nil {
		t.Fatal(err)
	}
	for _, form := range []string{
		pw,
		url.UserPassword("u", pw).String()[2:],
		url.PathEscape(pw),
		url.QueryEscape(pw),
		(&url.URL{Fragment: pw}).EscapedFragment(),
		strconv.Quote(pw),
	} {
		if got := c.Redact("at " + form + " end"); strings.Contains(got, "ss") || !strings.Contains(got, "<redacted>") {
			t.Errorf("Redact(%q) = %q", form, got)
		}
	}
}

// A reference that fails (its resolver refuses, or its value cannot be used)
// is asked for once, and reported at every field that uses it.
func TestAFailingReferenceIsAskedForOnce(t *testing.T) {
	c, err := check.Parse("checks.yaml", []byte(`app: shop
areas:
  - id: Api
    request:
      url: https://shop.example/api?key=${env:SHORT}
      headers: {Authorization: "Bearer ${env:SHORT}", X-Other: "${env:MISSING}", X-Again: "${env:MISSING}"}
`))
	if err != nil {
		t.Fatal(err)
	}
	asked := map[string]int{}
	rs := check.Resolvers{check.RefEnv: check.ResolverFunc(func(_ context.Context, r check.Ref) (string, error) {
		asked[r.Arg]++
		if r.Arg == "SHORT" {
			return "ab", nil
		}
		return "", errors.New("not set")
	})}
	err = c.ResolveSecrets(context.Background(), rs)
	var errs check.Errors
	if !errors.As(err, &errs) || len(errs) != 4 {
		t.Fatalf("want 4 errors, one per field: %v", err)
	}
	if asked["SHORT"] != 1 || asked["MISSING"] != 1 {
		t.Errorf("asked %v, want each reference once", asked)
	}
}

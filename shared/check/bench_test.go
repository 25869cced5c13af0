package check_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// benchConfig is a file with n secrets, resolved.
func benchConfig(b *testing.B, n int) *check.Config {
	var y strings.Builder
	y.WriteString("app: shop\nareas:\n  - id: A\n    request:\n      url: 'https://u:${env:PW}@shop.example/items/${env:S0}?k=${env:S1}'\n      headers:\n")
	vals := values{"PW": "pa/ss:w@rd#1"}
	for i := range n {
		fmt.Fprintf(&y, "        X-S%d: '${env:S%d}'\n", i, i)
		vals[fmt.Sprint("S", i)] = fmt.Sprintf("secret/value %d&more", i)
	}
	c, err := check.Parse("checks.yaml", []byte(y.String()))
	if err != nil {
		b.Fatal(err)
	}
	if err := c.ResolveSecrets(context.Background(), check.Resolvers{check.RefEnv: vals}); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkRedact hides 10 secrets (and their escaped forms) in a
// 300-character message, the size results are cut to.
func BenchmarkRedact(b *testing.B) {
	c := benchConfig(b, 10)
	msg := strings.Repeat("status 500 from https://shop.example/items/secret%2Fvalue%201 ", 6)[:300]
	b.ReportAllocs()
	for b.Loop() {
		c.Redact(msg)
	}
	b.ReportMetric(float64(len(msg)), "message-bytes")
}

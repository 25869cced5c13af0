package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestValidateListsBundledFiles: `lookout validate --files` prints only the
// files the checks file refers to, relative to its directory, one a line:
// the build copies them beside the bundled checks.yaml. A file that does not
// validate prints none and fails.
func TestValidateListsBundledFiles(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Internal CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "certs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "certs", "internal-ca.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	checks := filepath.Join(dir, "checks.yaml")
	if err := os.WriteFile(checks, []byte(`app: shop
areas:
  - id: Api
    tls: {ca_file: certs/internal-ca.pem}
    request: {url: https://api.internal.example/health}
  - id: Admin
    request:
      url: https://admin.internal.example/
      tls: {ca_file: certs/internal-ca.pem}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runMain(t, context.Background(), "validate", "--files", "-f", checks); code != exitOK || out != "certs/internal-ca.pem\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runMain(t, context.Background(), "validate", "--files", "-f", "../../checks.yaml"); code != exitOK || out != "" {
		t.Errorf("a file without ca_file: exit %d, stdout %q", code, out)
	}
	if err := os.Remove(filepath.Join(dir, "certs", "internal-ca.pem")); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := runMain(t, context.Background(), "validate", "--files", "-f", checks); code != exitFailed || out != "" {
		t.Errorf("a missing ca_file: exit %d, stdout %q", code, out)
	}
}

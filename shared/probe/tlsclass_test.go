package probe

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestCertificateNotYetValid: a certificate whose validity starts later is
// not called expired. The prober's clock (Options.Now) decides, and the
// message says when the certificate becomes valid.
func TestCertificateNotYetValid(t *testing.T) {
	t.Parallel()
	ca := newPKI(t)
	clock := time.Now().Add(30 * 24 * time.Hour).Truncate(time.Minute)
	notBefore := clock.Add(3*24*time.Hour + 2*time.Hour)
	tg := startTarget(t, ca.leaf([]string{"127.0.0.1"}, notBefore, notBefore.Add(365*24*time.Hour), false))
	p := newProber(t, Options{Roots: ca.roots, Now: func() time.Time { return clock }})

	cfg := parseConfig(t, oneArea("request:\n  url: "+tg.URL+"/ok\n"))
	r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
	want := "certificate is not valid until " + notBefore.UTC().Format("2006-01-02 15:04") + " UTC (in 3 days)"
	if r.Verdict != Down || r.Class != ClassTLSNotYetValid || r.Message != want {
		t.Errorf("verdict, class, message = %s, %q, %q; want down, %q, %q", r.Verdict, r.Class, r.Message, ClassTLSNotYetValid, want)
	}
	if strings.Contains(r.Message, "expired") {
		t.Errorf("message %q speaks of expiry", r.Message)
	}
}

// mtlsServer is an https server on 127.0.0.1 that requires a client
// certificate signed by clients, speaking only the TLS version given (0: any).
// It answers 200 with the client certificate's common name.
func mtlsServer(t testing.TB, cert *tls.Certificate, clients *x509.CertPool, version uint16) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			io.WriteString(w, "client "+r.TLS.PeerCertificates[0].Subject.CommonName)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{*cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    clients,
		MinVersion:   version,
		MaxVersion:   version,
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// TestClientCertificateRequired: a server that requires a client certificate
// the area does not configure fails as a TLS failure that says so. With TLS
// 1.3 the client hears of it only when reading the response; with TLS 1.2 in
// the handshake.
func TestClientCertificateRequired(t *testing.T) {
	t.Parallel()
	ca := newPKI(t)
	now := time.Now()
	cert := ca.leaf([]string{"127.0.0.1"}, now.Add(-time.Hour), now.Add(24*time.Hour), false)
	p := newProber(t, Options{Roots: ca.roots})
	for _, tc := range []struct {
		name    string
		version uint16
	}{{"TLS 1.3", tls.VersionTLS13}, {"TLS 1.2", tls.VersionTLS12}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := mtlsServer(t, cert, ca.roots, tc.version)
			cfg := parseConfig(t, oneArea("request:\n  url: "+srv.URL+"/\n"))
			r := p.Probe(context.Background(), cfg, &cfg.Areas[0])
			const want = "the server requires a client certificate (none configured: see tls.client_cert)"
			if r.Verdict != Down || r.Class != ClassTLS || !strings.Contains(r.Message, want) {
				t.Errorf("verdict, class, message = %s, %q, %q; want down, %q, %q", r.Verdict, r.Class, r.Message, ClassTLS, want)
			}
		})
	}
}

// client issues a client certificate (ExtKeyUsageClientAuth) for cn.
func (p *pki) client(cn string) *tls.Certificate {
	p.t.Helper()
	p.serial++
	key := newKey(p.t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		p.t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// caPEM is the CA's certificate as PEM.
func (p *pki) caPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.ca.Raw}))
}

// certPEM is a certificate's chain as PEM.
func certPEM(c *tls.Certificate) string {
	var b strings.Builder
	for _, der := range c.Certificate {
		b.Write(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	return b.String()
}

// keyPEM is a certificate's private key as PKCS #8 PEM.
func keyPEM(t testing.TB, c *tls.Certificate) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

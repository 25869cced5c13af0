package probe

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// tlsMaterial is what a tls block becomes, once per Prober: the CAs it
// trusts (a copy of the prober's roots with the block's CAs added) and its
// client certificate.
type tlsMaterial struct {
	roots *x509.CertPool   // nil: the prober's roots
	cert  *tls.Certificate // nil: none
}

// tlsKey is a tls block by what it holds: the same settings make one
// material, whichever areas and steps share them.
type tlsKey struct{ ca, cert, key string }

// stepTLS is how the requests of one step do TLS.
type stepTLS struct {
	material   *tlsMaterial // nil: the prober's roots, no client certificate
	serverName string       // "": the URL's host
	// host is the step's own host: only it gets serverName. The trust and
	// the client certificate apply along redirects too: the key never
	// leaves the probe, as with a browser or curl -L.
	host string
}

// useTLS makes st's tls settings those of the requests to come; u is where
// the step's first request goes.
func (r *run) useTLS(st *check.Step, u *url.URL) *failure {
	r.tls = stepTLS{host: u.Host}
	if st.TLS == nil {
		return nil
	}
	m, err := r.p.tlsMaterial(st.TLS)
	if err != nil {
		// Loading and resolving the checks file refuse such settings: this
		// is a configuration nobody checked.
		return newFailure(ClassOther, err, "tls settings: %v", err)
	}
	r.tls.material, r.tls.serverName = m, st.TLS.ServerName
	return nil
}

// tlsMaterial builds the material of a tls block, or returns the one built
// before for the same settings: PEM is parsed once per Prober, not per request.
func (p *Prober) tlsMaterial(t *check.TLS) (*tlsMaterial, error) {
	// Resolved values are stored as template text ("${" written "$${"): read them back.
	k := tlsKey{ca: check.ExpandVars(t.CAPEM(), nil), cert: check.ExpandVars(t.ClientCert, nil), key: check.ExpandVars(t.ClientKey, nil)}
	if k == (tlsKey{}) {
		return nil, nil
	}
	if m, ok := p.tlsSets.Load(k); ok {
		return m.(*tlsMaterial), nil
	}
	m := &tlsMaterial{}
	if k.ca != "" {
		m.roots = p.roots.Clone() // this block's CAs, for its steps only
		if !m.roots.AppendCertsFromPEM([]byte(k.ca)) {
			return nil, errors.New("ca holds no PEM certificate")
		}
	}
	if k.cert != "" || k.key != "" {
		c, err := tls.X509KeyPair([]byte(k.cert), []byte(k.key))
		if err != nil {
			return nil, fmt.Errorf("client_cert and client_key: %s", strings.TrimPrefix(err.Error(), "tls: "))
		}
		m.cert = &c
	}
	got, _ := p.tlsSets.LoadOrStore(k, m)
	return got.(*tlsMaterial), nil
}

// tlsConfig is the TLS configuration of one round trip to u, in the step
// r.tls describes. It notes on t whether the server asked for a client
// certificate and whether one was sent: classify needs to know.
func (r *run) tlsConfig(u *url.URL, t *trace) *tls.Config {
	c := &tls.Config{RootCAs: r.p.roots, Time: r.p.now}
	var cert *tls.Certificate
	if m := r.tls.material; m != nil {
		if m.roots != nil {
			c.RootCAs = m.roots
		}
		cert = m.cert
	}
	if u.Host == r.tls.host {
		c.ServerName = r.tls.serverName
	}
	c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		t.clientCert(cert != nil)
		if cert == nil {
			return &tls.Certificate{}, nil // none: the server decides whether that will do
		}
		return cert, nil
	}
	return c
}

// clientCert notes that the server asked for a client certificate, and
// whether one was sent.
func (t *trace) clientCert(sent bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.certAsked, t.certSent = true, sent
}

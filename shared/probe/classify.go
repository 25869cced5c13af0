package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// failure is why a step failed: its class and a short human message. The
// underlying error, if any, is kept for errors.Is and errors.As.
type failure struct {
	class Class
	msg   string
	err   error
}

func (f *failure) Error() string { return string(f.class) + ": " + f.msg }
func (f *failure) Unwrap() error { return f.err }

func newFailure(c Class, err error, format string, args ...any) *failure {
	return &failure{class: c, msg: fmt.Sprintf(format, args...), err: err}
}

// classify turns a transport or body-read error into a failure, once, where
// it happened. The context is asked first: after the deadline every error is
// a consequence of it. host is the host asked for; t says how far it got.
func (r *run) classify(ctx context.Context, err error, t *trace, host string) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	t.mu.Lock()
	remote, tlsErr := t.remote(host), t.tlsErr
	certAsked, certSent := t.certAsked, t.certSent
	t.mu.Unlock()

	if cerr := ctx.Err(); cerr != nil || errors.Is(err, context.DeadlineExceeded) {
		if errors.Is(cerr, context.Canceled) {
			return newFailure(ClassTimeout, err, "canceled %s", t.stage(host))
		}
		return newFailure(ClassTimeout, err, "timed out after %s %s", r.timeout, t.stage(host))
	}
	// Before net.Error: a DNS server that does not answer is a DNS failure.
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return newFailure(ClassDNS, err, "cannot resolve %s: no such host", dnsErr.Name)
		}
		return newFailure(ClassDNS, err, "cannot resolve %s: %s", dnsErr.Name, dnsErr.Err)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		return newFailure(ClassTimeout, err, "timed out %s", t.stage(host))
	}
	if f := r.classifyCert(err); f != nil {
		return f
	}
	// The server asked for a client certificate, then ended the connection
	// with an alert: in the handshake with TLS 1.2, and with TLS 1.3 only
	// once the client reads the response, its handshake done already.
	if alert := remoteAlert(err); alert != nil && certAsked {
		if !certSent {
			return newFailure(ClassTLS, err, "the server requires a client certificate (none configured: see tls.client_cert)")
		}
		return newFailure(ClassTLS, err, "the server refused the client certificate of tls.client_cert (%v)", alert)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return newFailure(ClassRefused, err, "connection refused by %s", opAddr(err, remote))
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return newFailure(ClassReset, err, "connection reset by %s %s", opAddr(err, remote), t.stage(host))
	}
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	if tlsErr != nil || errors.As(err, &recErr) || errors.As(err, &alert) {
		if tlsErr == nil {
			tlsErr = err
		}
		return newFailure(ClassTLS, err, "TLS handshake with %s failed: %s", remote, unwrapURLError(tlsErr))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		if t.stage(host) == "reading the body" {
			return newFailure(ClassReset, err, "connection closed by %s while reading the body", remote)
		}
		return newFailure(ClassReset, err, "connection closed by %s without a response", remote)
	}
	return newFailure(ClassOther, err, "%s", unwrapURLError(err))
}

// remoteAlert is the TLS alert the server ended the connection with, if err is one.
func remoteAlert(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return op.Err
	}
	return nil
}

// classifyCert recognises certificate verification failures.
func (r *run) classifyCert(err error) *failure {
	var invalid x509.CertificateInvalidError
	if errors.As(err, &invalid) {
		// x509.Expired is also the reason of a certificate not valid yet:
		// the prober's clock, the one verification used, tells them apart.
		if now := r.p.now(); invalid.Reason == x509.Expired && invalid.Cert != nil && now.Before(invalid.Cert.NotBefore) {
			from := invalid.Cert.NotBefore
			return newFailure(ClassTLSNotYetValid, err, "certificate is not valid until %s (%s)", from.UTC().Format("2006-01-02 15:04 UTC"), in(from.Sub(now)))
		}
		if invalid.Reason == x509.Expired && invalid.Cert != nil {
			return newFailure(ClassTLSExpired, err, "certificate expired %s", ago(r.p.now().Sub(invalid.Cert.NotAfter)))
		}
		return newFailure(ClassTLS, err, "certificate not valid: %s", invalid.Error())
	}
	var unknown x509.UnknownAuthorityError
	if errors.As(err, &unknown) {
		if c := unknown.Cert; c != nil && c.Issuer.String() == c.Subject.String() {
			return newFailure(ClassTLSUntrusted, err, "self-signed certificate is not trusted")
		} else if c != nil && c.Issuer.CommonName != "" {
			return newFailure(ClassTLSUntrusted, err, "certificate signed by an unknown authority (%s)", c.Issuer.CommonName)
		}
		return newFailure(ClassTLSUntrusted, err, "certificate signed by an unknown authority")
	}
	var host x509.HostnameError
	if errors.As(err, &host) {
		msg := fmt.Sprintf("certificate is not valid for %s", host.Host)
		if names := certNames(host.Certificate); names != "" {
			msg += " (it is for " + names + ")"
		}
		return newFailure(ClassTLSHostname, err, "%s", msg)
	}
	return nil
}

// certNames lists the first few names a certificate is for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) > 3 {
		names = append(names[:3], "...")
	}
	return strings.Join(names, ", ")
}

// opAddr is the address in a *net.OpError, or fallback.
func opAddr(err error, fallback string) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	return fallback
}

// unwrapURLError drops net/http's "Get \"url\": " prefix: the URL may hold a
// captured value, and the message names the step already.
func unwrapURLError(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// in writes how soon something happens: "in 3 days", "in 5h0m0s".
func in(d time.Duration) string {
	switch days := int(d.Hours() / 24); {
	case days == 1:
		return "in 1 day"
	case days > 1:
		return fmt.Sprintf("in %d days", days)
	}
	return "in " + d.Round(time.Minute).String()
}

// ago writes how long ago something happened: "3 days ago", "5h0m0s ago".
func ago(d time.Duration) string {
	switch days := int(d.Hours() / 24); {
	case days == 1:
		return "1 day ago"
	case days > 1:
		return fmt.Sprintf("%d days ago", days)
	case d < 0:
		return "in the future" // only with a skewed clock
	}
	return d.Round(time.Minute).String() + " ago"
}

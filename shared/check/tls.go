package check

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// MaxCAFileSize bounds a ca_file: a bundle of every public root is a quarter of it.
const MaxCAFileSize = 1 << 20

var serverNamePattern = regexp.MustCompile(`^([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?$`)

// tls checks every tls block, of areas and of steps. What is written in the
// file is checked here: ca_file is read (relative to the checks file, and
// kept, so probes never read it again) and literal PEM must parse. PEM that
// comes from a reference is checked once it is resolved (resolvedTLSProblems).
func (v *validator) tls() { v.c.eachTLS(v.tlsBlock) }

func (v *validator) tlsBlock(p string, t *TLS) {
	if t == nil {
		return
	}
	if t.CAFile == "" && t.CA == "" && t.ClientCert == "" && t.ClientKey == "" && t.ServerName == "" {
		v.add(p, ErrRequired, "give ca_file, ca, client_cert with client_key, or server_name")
		return
	}
	if t.CAFile != "" {
		v.caFile(p+".ca_file", t)
	}
	if t.CA != "" {
		v.refs(p+".ca", t.CA, nil)
		if len(FindRefs(t.CA)) == 0 {
			v.pem(p+".ca", "ca", t.CA)
		}
	}
	if t.ClientCert != "" {
		v.refs(p+".client_cert", t.ClientCert, nil)
		if len(FindRefs(t.ClientCert)) == 0 {
			v.pem(p+".client_cert", "client_cert", t.ClientCert)
		}
	}
	if t.ClientKey != "" {
		v.refs(p+".client_key", t.ClientKey, nil)
		if len(FindRefs(t.ClientKey)) == 0 {
			v.add(p+".client_key", ErrLiteralCred, "a private key must be a reference (${secret:name#key}, ${ssm:/path}, ${env:NAME}), never a literal")
		}
	}
	switch {
	case t.ClientCert != "" && t.ClientKey == "":
		v.add(p+".client_key", ErrRequired, "client_cert needs its private key")
	case t.ClientKey != "" && t.ClientCert == "":
		v.add(p+".client_cert", ErrRequired, "client_key needs its certificate")
	}
	if s := t.ServerName; s != "" {
		if len(s) > 253 || (!serverNamePattern.MatchString(s) && net.ParseIP(s) == nil) {
			v.add(p+".server_name", ErrInvalid, "%q is not a host name", s)
		}
	}
}

// caFile reads and checks t.CAFile, and keeps its content in t.
func (v *validator) caFile(p string, t *TLS) {
	name := t.CAFile
	if strings.Contains(name, "${") {
		v.add(p, ErrInvalid, "a file path, not a reference: put PEM from a reference in ca")
		return
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		v.add(p, ErrInvalid, "%q: give a path inside the checks file's directory, such as certs/ca.pem (the build bundles it beside the checks file)", name)
		return
	}
	file := filepath.Join(filepath.Dir(v.c.File), filepath.FromSlash(name))
	data, err := readFile(file, MaxCAFileSize)
	if err != nil {
		v.add(p, ErrInvalid, "cannot read %s: %v", file, err)
		return
	}
	if _, err := pemCertificates(string(data)); err != nil {
		v.add(p, kindOf(err), "%s %v", file, err)
		return
	}
	t.caFilePEM = string(data)
}

// pem checks PEM written in the file.
func (v *validator) pem(p, field, s string) {
	if _, err := pemCertificates(s); err != nil {
		v.add(p, kindOf(err), "%s %v", field, err)
	}
}

// errPrivateKey is PEM that holds a private key where only certificates go.
var errPrivateKey = newProblem(ErrLiteralCred, "holds a private key: only certificates go here, and a key is a reference in client_key")

func kindOf(err error) error {
	if errors.Is(err, ErrLiteralCred) {
		return ErrLiteralCred
	}
	return ErrInvalid
}

// pemCertificates parses the certificates of PEM text. Other blocks are
// skipped, but a private key is an error: it is a secret, written in plain.
func pemCertificates(s string) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			return nil, errPrivateKey
		case b.Type != "CERTIFICATE":
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("holds a certificate that does not parse (number %d: %v)", len(certs)+1, strings.TrimPrefix(err.Error(), "x509: "))
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
	}
	return certs, nil
}

// readFile reads at most limit bytes of a file; a larger one is an error.
func readFile(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}

// visitTLS visits the fields of a tls block that may hold references.
func visitTLS(prefix string, t *TLS, fn visitor) {
	if t == nil {
		return
	}
	fn(prefix+".ca", &t.CA, false)
	fn(prefix+".client_cert", &t.ClientCert, false)
	fn(prefix+".client_key", &t.ClientKey, false)
}

// resolvedTLSProblems checks the PEM of the tls blocks blocks visits, now
// that their references are resolved: a CA parses, the client certificate
// parses and the private key is its own. A field that still holds a
// reference did not resolve, which is reported already: it is left alone.
func (c *Config) resolvedTLSProblems(blocks func(func(path string, t *TLS))) Errors {
	v := &validator{c: c}
	resolved := func(s string) bool { return s != "" && len(FindRefs(s)) == 0 }
	blocks(func(p string, b *TLS) {
		if resolved(b.CA) {
			if _, err := pemCertificates(b.CA); err != nil {
				v.add(p+".ca", ErrInvalid, "the resolved value %v", err)
			}
		}
		if !resolved(b.ClientCert) || !resolved(b.ClientKey) {
			return
		}
		if _, err := pemCertificates(b.ClientCert); err != nil && !errors.Is(err, errPrivateKey) {
			v.add(p+".client_cert", ErrInvalid, "the resolved value %v", err)
			return
		}
		if _, err := tls.X509KeyPair([]byte(b.ClientCert), []byte(b.ClientKey)); err != nil {
			if strings.Contains(err.Error(), "does not match") {
				v.add(p+".client_key", ErrInvalid, "the private key does not match client_cert")
			} else {
				v.add(p+".client_key", ErrInvalid, "not a PEM private key: %s", strings.TrimPrefix(err.Error(), "tls: "))
			}
		}
	})
	return v.errs
}

// eachAreaTLS visits the tls blocks of area i, the area's and its steps',
// with their field paths.
func (c *Config) eachAreaTLS(i int, fn func(path string, t *TLS)) {
	a := &c.Areas[i]
	p := fmt.Sprintf("areas[%d]", i)
	if a.TLS != nil {
		fn(p+".tls", a.TLS)
	}
	if a.Request != nil && a.Request.TLS != nil {
		fn(p+".request.tls", a.Request.TLS)
	}
	for j := range a.Steps {
		if t := a.Steps[j].TLS; t != nil {
			fn(fmt.Sprintf("%s.steps[%d].tls", p, j), t)
		}
	}
}

// eachTLS visits every tls block of the file.
func (c *Config) eachTLS(fn func(path string, t *TLS)) {
	for i := range c.Areas {
		c.eachAreaTLS(i, fn)
	}
}

// over is the tls settings of a step whose own block is s, in an area whose
// block is a: each part s sets (the trust: ca_file and ca; the identity:
// client_cert and client_key; server_name) replaces a's. Nil when neither has one.
func (s *TLS) over(a *TLS) *TLS {
	switch {
	case a == nil:
		return s
	case s == nil:
		return a
	}
	out := *a
	if s.CAFile != "" || s.CA != "" {
		out.CAFile, out.CA, out.caFilePEM = s.CAFile, s.CA, s.caFilePEM
	}
	if s.ClientCert != "" || s.ClientKey != "" {
		out.ClientCert, out.ClientKey = s.ClientCert, s.ClientKey
	}
	if s.ServerName != "" {
		out.ServerName = s.ServerName
	}
	return &out
}

// CAPEM is the PEM of every CA the block trusts besides the system roots:
// ca_file's content (read when the file was loaded), then ca.
func (t *TLS) CAPEM() string {
	if t == nil {
		return ""
	}
	switch {
	case t.caFilePEM == "":
		return t.CA
	case t.CA == "":
		return t.caFilePEM
	}
	return t.caFilePEM + "\n" + t.CA
}

// Files lists the files the checks file refers to (each tls.ca_file),
// relative to its directory with forward slashes, each once, sorted. The
// functions read them beside their checks file, so the build bundles them there.
func (c *Config) Files() []string {
	var out []string
	c.eachTLS(func(_ string, t *TLS) {
		if t.CAFile != "" {
			out = append(out, path.Clean(filepath.ToSlash(t.CAFile)))
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

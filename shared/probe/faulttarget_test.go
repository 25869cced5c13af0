package probe

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Token is what the fault target's /signin hands out; /api wants it back.
const testToken = "tok-7f3a9c2e51d84b06"

// target is a fault-injecting HTTP server: each path misbehaves in one way.
//
//	/ok                 200 "Boards ..." (HTML-ish), header X-Version: 1.2.3
//	/json               200 a JSON document with strings, big numbers, objects
//	/sleep?d=100ms      sleeps d before the headers, then /ok (injected delay)
//	/slowhops/N?d=..    sleeps d, then redirects to /slowhops/N-1; N=0 is /ok
//	/block              never answers: waits for the client to give up
//	/slowbody           sends headers and part of the body, then waits
//	/reset              reads the request, then resets the TCP connection (SO_LINGER 0)
//	/close              reads the request, then closes without a response
//	/garbage            answers something that is not HTTP
//	/proto              the request's protocol, e.g. HTTP/2.0
//	/goto?u=URL         redirects to URL
//	/headers            {"authorization": ..., "user_agent": ..., "connection": ...} of the request
//	/status/N           answers status N
//	/big                a body of 64 KiB
//	/loop/a, /loop/b    redirect to each other
//	/chain/N            redirects N times, then /ok
//	/signin             POST only: {"token": testToken}
//	/api                200 {"ok":true} only with "Authorization: Bearer testToken"
//	/see-other          POST -> 303 -> /method
//	/temporary          POST -> 307 -> /method
//	/method             {"method": "...", "body": "..."} of the request
//	/echo/...           500 echoing the URL and Authorization into the body and X-Echo header
//	/echo-loop/a/...    redirects to /echo-loop/b/... and back, path and query kept
type target struct {
	*httptest.Server
	requests atomic.Int64 // every request seen
	conns    atomic.Int64 // every connection accepted (StateNew)
	inFlight atomic.Int64
	maxIn    atomic.Int64 // the most requests in flight at once
	entered  chan string  // the path of each request to /block, if someone listens
	stop     chan struct{}
}

// startTarget starts the target on 127.0.0.1, over TLS with cert if given;
// opts may change the server before it starts (e.g. EnableHTTP2).
func startTarget(t testing.TB, cert *tls.Certificate, opts ...func(*httptest.Server)) *target {
	t.Helper()
	tg := &target{entered: make(chan string, 64), stop: make(chan struct{})}
	tg.Server = httptest.NewUnstartedServer(http.HandlerFunc(tg.serve))
	tg.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			tg.conns.Add(1)
		}
	}
	tg.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point here
	for _, o := range opts {
		o(tg.Server)
	}
	if cert != nil {
		tg.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		tg.StartTLS()
	} else {
		tg.Start()
	}
	// Cleanups run last-in first-out: release blocked handlers, then close.
	t.Cleanup(tg.Close)
	t.Cleanup(func() { close(tg.stop) })
	return tg
}

func (tg *target) serve(w http.ResponseWriter, r *http.Request) {
	tg.requests.Add(1)
	n := tg.inFlight.Add(1)
	defer tg.inFlight.Add(-1)
	for {
		m := tg.maxIn.Load()
		if n <= m || tg.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	path := r.URL.Path
	switch {
	case path == "/ok":
		w.Header().Set("X-Version", "1.2.3")
		io.WriteString(w, "<h1>Boards</h1> all good")
	case path == "/json":
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"status":"ok","big":12345678901234567890,"ratio":1.5,"small":0.1,"none":null,`+
			`"flag":true,"items":[1,2,3],"user":{"id":7,"name":"ada"}}`)
	case path == "/sleep":
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		tg.pause(r, d)
		io.WriteString(w, "<h1>Boards</h1> late")
	case strings.HasPrefix(path, "/slowhops/"):
		d, _ := time.ParseDuration(r.URL.Query().Get("d"))
		tg.pause(r, d)
		n, _ := strconv.Atoi(strings.TrimPrefix(path, "/slowhops/"))
		if n == 0 {
			io.WriteString(w, "done")
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/slowhops/%d?d=%s", n-1, d), http.StatusFound)
	case path == "/block":
		select {
		case tg.entered <- path:
		default:
		}
		tg.pause(r, time.Hour)
	case path == "/slowbody":
		w.Header().Set("Content-Length", "1000")
		io.WriteString(w, "the first bytes")
		w.(http.Flusher).Flush()
		tg.pause(r, time.Hour)
	case path == "/reset" || path == "/close":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if tcp, ok := conn.(*net.TCPConn); ok && path == "/reset" {
			tcp.SetLinger(0) // close sends RST instead of FIN
		}
		conn.Close()
	case path == "/proto":
		io.WriteString(w, r.Proto)
	case path == "/goto":
		http.Redirect(w, r, r.URL.Query().Get("u"), http.StatusFound)
	case path == "/headers":
		json.NewEncoder(w).Encode(map[string]string{
			"authorization": r.Header.Get("Authorization"),
			"user_agent":    r.Header.Get("User-Agent"),
			"connection":    r.Header.Get("Connection"),
		})
	case path == "/garbage":
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		io.WriteString(conn, "HELLO\r\n\r\n")
		conn.Close()
	case strings.HasPrefix(path, "/status/"):
		code, _ := strconv.Atoi(strings.TrimPrefix(path, "/status/"))
		w.WriteHeader(code)
	case path == "/big":
		io.WriteString(w, strings.Repeat("x", 64<<10))
	case path == "/loop/a":
		http.Redirect(w, r, "/loop/b", http.StatusFound)
	case path == "/loop/b":
		http.Redirect(w, r, "/loop/a", http.StatusMovedPermanently)
	case strings.HasPrefix(path, "/chain/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(path, "/chain/"))
		if n == 0 {
			http.Redirect(w, r, "/ok", http.StatusFound)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusFound)
	case path == "/signin":
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"token":%q,"expires_in":3600}`, testToken)
	case path == "/api":
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"ok":true,"boards":[{"id":1}]}`)
	case path == "/see-other":
		http.Redirect(w, r, "/method", http.StatusSeeOther)
	case path == "/temporary":
		http.Redirect(w, r, "/method", http.StatusTemporaryRedirect)
	case path == "/method":
		body, _ := io.ReadAll(r.Body)
		json.NewEncoder(w).Encode(map[string]string{"method": r.Method, "body": string(body)})
	case strings.HasPrefix(path, "/echo/"):
		echo := r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key")
		w.Header().Set("X-Echo", echo)
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": "bad request: " + echo})
	case strings.HasPrefix(path, "/echo-loop/a/"):
		http.Redirect(w, r, "/echo-loop/b/"+strings.TrimPrefix(path, "/echo-loop/a/")+"?"+r.URL.RawQuery, http.StatusFound)
	case strings.HasPrefix(path, "/echo-loop/b/"):
		http.Redirect(w, r, "/echo-loop/a/"+strings.TrimPrefix(path, "/echo-loop/b/")+"?"+r.URL.RawQuery, http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// pause is an injected delay: it waits d, or less if the client gives up
// or the test ends. It never synchronises the test with the server.
func (tg *target) pause(r *http.Request, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-r.Context().Done():
	case <-tg.stop:
	}
}

// refusedAddr is a loopback address nothing listens on.
func refusedAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// pki is a test certificate authority.
type pki struct {
	t      testing.TB
	ca     *x509.Certificate
	caKey  *ecdsa.PrivateKey
	roots  *x509.CertPool
	serial int64
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Lookout Test CA"},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	return &pki{t: t, ca: ca, caKey: key, roots: roots, serial: 1}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// leaf issues a server certificate for hosts (names or IPs), valid in
// [notBefore, notAfter], signed by the CA or, if selfSigned, by itself.
func (p *pki) leaf(hosts []string, notBefore, notAfter time.Time, selfSigned bool) *tls.Certificate {
	p.t.Helper()
	p.serial++
	key := newKey(p.t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	parent, signer := p.ca, p.caKey
	if selfSigned {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		p.t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

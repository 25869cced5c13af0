package probe

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// trace holds the timestamps of one round trip, taken by httptrace hooks on
// the monotonic clock. Durations are computed once, at the end, by phases.
// Hooks may run on the transport's dialing goroutine, even after a timed-out
// round trip has returned, hence the lock.
type trace struct {
	mu                        sync.Mutex
	start, end                time.Time
	dnsStart, dnsDone         time.Time
	connectStart, connectDone time.Time
	tlsStart, tlsDone         time.Time
	gotConn, firstByte        time.Time
	addr                      string // remote address, once known
	reused                    bool
	tlsErr                    error
	certAsked, certSent       bool // the server asked for a client certificate; one was sent
}

func newTrace() *trace { return &trace{start: time.Now()} }

// hooks returns the httptrace hooks that fill t.
func (t *trace) hooks() *httptrace.ClientTrace {
	mark := func(at *time.Time) {
		now := time.Now()
		t.mu.Lock()
		defer t.mu.Unlock()
		if at.IsZero() { // happy eyeballs may dial twice: keep the first start
			*at = now
		}
	}
	return &httptrace.ClientTrace{
		DNSStart: func(httptrace.DNSStartInfo) { mark(&t.dnsStart) },
		DNSDone:  func(httptrace.DNSDoneInfo) { mark(&t.dnsDone) },
		ConnectStart: func(_, addr string) {
			mark(&t.connectStart)
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.addr == "" {
				t.addr = addr
			}
		},
		ConnectDone: func(_, addr string, err error) {
			now := time.Now()
			t.mu.Lock()
			defer t.mu.Unlock()
			if err == nil && t.connectDone.IsZero() {
				t.connectDone, t.addr = now, addr // the dial that won
			}
		},
		TLSHandshakeStart: func() { mark(&t.tlsStart) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			now := time.Now()
			t.mu.Lock()
			defer t.mu.Unlock()
			t.tlsDone, t.tlsErr = now, err
		},
		GotConn: func(info httptrace.GotConnInfo) {
			now := time.Now()
			t.mu.Lock()
			defer t.mu.Unlock()
			t.gotConn, t.reused = now, info.Reused
			if t.addr == "" && info.Conn != nil {
				t.addr = info.Conn.RemoteAddr().String()
			}
		},
		GotFirstResponseByte: func() { mark(&t.firstByte) },
	}
}

// finish marks the end of the round trip: body read, or failure.
func (t *trace) finish() {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.end.IsZero() {
		t.end = now
	}
}

// phases computes the durations; a phase that did not happen stays zero.
func (t *trace) phases() Phases {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Phases{
		DNS:      between(t.dnsStart, t.dnsDone),
		Connect:  between(t.connectStart, t.connectDone),
		TLS:      between(t.tlsStart, t.tlsDone),
		TTFB:     between(t.gotConn, t.firstByte),
		Transfer: between(t.firstByte, t.end),
		Total:    between(t.start, t.end),
	}
}

func between(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// stage says where a round trip stopped, for timeout messages.
func (t *trace) stage(host string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.firstByte.IsZero():
		return "reading the body"
	case !t.gotConn.IsZero():
		return "waiting for the response"
	case !t.tlsStart.IsZero():
		return "in the TLS handshake with " + t.remote(host)
	case !t.connectStart.IsZero():
		return "connecting to " + t.remote(host)
	case !t.dnsStart.IsZero():
		return "resolving " + host
	}
	return "before connecting"
}

// remote is the address dialed, or the host asked for when none is known.
// Callers hold t.mu.
func (t *trace) remote(host string) string {
	if t.addr != "" {
		return t.addr
	}
	return host
}

// client returns an HTTP client for exactly one round trip: a new transport
// without keep-alives, so every request dials, resolves and handshakes anew
// (a reused connection would hide DNS, connect and TLS time). Redirects are
// returned, not followed: step follows them itself, timing each. No proxy
// from the environment either: a probe measures the direct path. tc is the
// round trip's own TLS configuration (tlsConfig): the transport changes it.
// HTTP/2 buffers no more unread body than about bodyLimit (http2Config).
func (p *Prober) client(jar http.CookieJar, tc *tls.Config, bodyLimit int64) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:            p.dial,
			TLSClientConfig:        tc,
			DisableKeepAlives:      true,
			ForceAttemptHTTP2:      true,
			MaxResponseHeaderBytes: 1 << 20,
			HTTP2:                  http2Config(bodyLimit),
		},
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// response is one round trip's response with its body read (bounded).
type response struct {
	*http.Response
	body     []byte
	tooLarge bool
	doc      *jsonDoc // the body as JSON, decoded on first use
}

// step runs one step: the request, its redirects, then the checks on the
// final response and the captures. It returns the failure, if any.
func (r *run) step(ctx context.Context, st *check.Step) (StepResult, *failure) {
	// The URL as written in the file, with its references: no resolved secret or captured value is in it.
	sr := StepResult{Name: st.Name, URL: st.URL}
	start := time.Now()
	resp, f := r.fetch(ctx, st, &sr)
	sr.Phases.Total = time.Since(start)
	if f == nil {
		f = r.check(st, resp, &sr)
	}
	if f != nil {
		sr.Class, sr.Message = f.class, f.msg
	}
	return sr, f
}

// fetch sends the step's request and follows redirects up to the step's
// limit, each over a fresh connection with a fresh trace so phases add up.
func (r *run) fetch(ctx context.Context, st *check.Step, sr *StepResult) (*response, *failure) {
	method := st.Method
	if method == "" {
		method = http.MethodGet
	}
	maxRedirects := check.DefaultMaxRedirects
	if st.MaxRedirects != nil {
		maxRedirects = *st.MaxRedirects
	}
	body := check.ExpandVars(st.Body, r.vars)
	raw, err := r.cfg.URL(st.URL, r.vars)
	if err != nil {
		return nil, newFailure(ClassOther, err, "invalid URL: %v", err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, newFailure(ClassOther, err, "invalid URL: %v", unwrapURLError(err))
	}
	origin := u.Host
	// What is secret stays with the step's own host: a redirect leaves it
	// for another host, or for plain http after https.
	secure := u.Scheme == "https"
	leaves := func(to *url.URL) bool { return to.Host != origin || (secure && to.Scheme != "https") }
	// A body built from a secret or a captured value is as secret as a credential header.
	secretBody := r.carriesSecret(st.Body, body)
	if f := r.useTLS(st, u); f != nil {
		return nil, f
	}
	chain := []*url.URL{u}
	for {
		resp, f := r.roundTrip(ctx, method, u, r.headers(st.Headers, leaves(u)), body, sr)
		if f != nil {
			return nil, f
		}
		next := redirectTarget(resp.Response)
		if next == nil || maxRedirects == 0 {
			return resp, nil
		}
		for _, seen := range chain {
			if sameURL(seen, next) {
				return nil, newFailure(ClassRedirectLoop, nil, "redirect loop: %s", describeChain(append(chain, next)))
			}
		}
		if sr.Redirects == maxRedirects {
			return nil, newFailure(ClassRedirectLoop, nil, "more than %d redirects", maxRedirects)
		}
		// Browsers' rules: 303 always, and 301/302 after a POST, become a GET
		// without body; 307 and 308 repeat the request as it was.
		switch resp.StatusCode {
		case http.StatusSeeOther:
			if method != http.MethodHead {
				method, body = http.MethodGet, ""
			}
		case http.StatusMovedPermanently, http.StatusFound:
			if method == http.MethodPost {
				method, body = http.MethodGet, ""
			}
		}
		// A redirect that keeps a secret body is not followed off its host:
		// sending it without the body would be another request than the step's.
		if body != "" && secretBody && leaves(next) {
			why := "another host would get it"
			if next.Host == origin {
				why = "it would go over plain http"
			}
			return nil, newFailure(ClassRedirectRefused, nil, "%d redirect to %s not followed: the request body holds a secret, and %s",
				resp.StatusCode, siteOf(next), why)
		}
		sr.Redirects++
		chain = append(chain, next)
		u = next
	}
}

// headers expands the step's headers. Headers that carry credentials (or any
// secret or captured value) are not sent to another host than the step's own,
// nor over plain http after https (leaving).
func (r *run) headers(hs map[string]string, leaving bool) http.Header {
	out := http.Header{}
	for k, v := range hs {
		expanded := check.ExpandVars(v, r.vars)
		if leaving && (sensitiveHeader(k) || r.carriesSecret(v, expanded)) {
			continue
		}
		out.Set(k, expanded)
	}
	return out
}

// carriesSecret reports whether a header or body, as written (template) and
// as sent (expanded), holds a secret: a reference, or a resolved secret or
// captured value.
func (r *run) carriesSecret(template, expanded string) bool {
	return len(check.FindRefs(template)) > 0 || r.redact(expanded) != expanded
}

func sensitiveHeader(k string) bool {
	switch http.CanonicalHeaderKey(k) {
	case "Authorization", "Proxy-Authorization", "Cookie", "Host":
		return true
	}
	return false
}

// roundTrip sends one request over a new connection and reads the body up to
// the body limit. Phases and the certificate are added to sr.
func (r *run) roundTrip(ctx context.Context, method string, u *url.URL, h http.Header, body string, sr *StepResult) (*response, *failure) {
	t := newTrace()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, t.hooks()), method, u.String(), rd)
	if err != nil {
		return nil, newFailure(ClassOther, err, "cannot build the request: %v", unwrapURLError(err))
	}
	req.Header.Set("User-Agent", r.userAgent())
	for k, vs := range h {
		if k == "Host" {
			req.Host = vs[0]
			continue
		}
		req.Header[k] = vs
	}

	limit := r.bodyLimit()
	client := r.p.client(r.jar, r.tlsConfig(u, t), limit)
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.finish()
		r.account(t, sr)
		return nil, r.classify(ctx, err, t, u.Host)
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body, resp.ContentLength, limit)
	t.finish()
	r.account(t, sr)
	sr.Status = resp.StatusCode
	sr.BodyBytes = int64(len(data))
	sr.CertDays = 0
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		sr.CertDays = resp.TLS.PeerCertificates[0].NotAfter.Sub(r.p.now()).Hours() / 24
	}
	if err != nil {
		return nil, r.classify(ctx, err, t, u.Host)
	}
	out := &response{Response: resp, body: data}
	if int64(len(data)) > limit {
		out.body, out.tooLarge = data[:limit], true
	}
	return out, nil
}

// account adds one round trip's phases to its step.
func (r *run) account(t *trace, sr *StepResult) {
	ph := t.phases()
	sr.Phases.add(ph)
	t.mu.Lock()
	sr.Reused = sr.Reused || t.reused
	t.mu.Unlock()
}

func (r *run) userAgent() string {
	if ua := r.cfg.Defaults.UserAgent; ua != "" {
		return ua
	}
	return check.DefaultUserAgent
}

func (r *run) bodyLimit() int64 {
	if l := int64(r.cfg.Defaults.BodyLimit); l > 0 {
		return l
	}
	return int64(check.DefaultBodyLimit)
}

// redirectTarget is where a redirect response points, or nil.
func redirectTarget(resp *http.Response) *url.URL {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil
	}
	next, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return nil
	}
	return next
}

// siteOf is a URL's scheme and host, for messages that must not show its
// path or query.
func siteOf(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String()
}

func sameURL(a, b *url.URL) bool {
	x, y := *a, *b
	x.Fragment, y.Fragment = "", ""
	x.RawFragment, y.RawFragment = "", ""
	return x.String() == y.String()
}

func describeChain(chain []*url.URL) string {
	parts := make([]string, len(chain))
	for i, u := range chain {
		parts[i] = displayURL(u)
	}
	return strings.Join(parts, " -> ")
}

// displayURL shortens a URL for messages: no password, no query (a
// redirect's query may hold a session token nobody declared as secret).
func displayURL(u *url.URL) string {
	v := *u
	if v.User != nil {
		v.User = url.User(v.User.Username())
	}
	v.RawQuery, v.ForceQuery = "", false
	v.Fragment, v.RawFragment = "", ""
	return v.String()
}

package check

import (
	"errors"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// References in URLs. A reference never changes the structure of a URL: the
// template is split into its parts with each reference kept whole, as an
// opaque placeholder, and each value is then escaped for the part it stands
// in. Where a reference may stand:
//
//   - user or password: https://${env:USER}:${env:PASSWORD}@host/ (escaped
//     as user info: a "/", "@", ":" or "#" in a password stays in the password)
//   - path: https://host/items/${var:id} (escaped as one path segment: a "/"
//     in the value does not add a segment, and a value that makes the segment
//     "." or ".." is sent as %2E, so it never climbs the path)
//   - query, key or value: https://host/?key=${ssm:/app/key} (escaped as a
//     query component: "&", "=", "#" and "+" stay in the value)
//   - fragment: https://host/#${var:x}
//   - the whole host: https://${env:API_HOST}/ or https://${env:API_HOST}:8443/.
//     The value must be a host name, an IPv4 address or a bracketed IPv6
//     address, with a port (host:port) only when the URL writes none.
//
// A reference cannot be part of the scheme, part of the host
// (https://${env:STAGE}.shop.example/) or the port alone: these are refused
// when the file is loaded.

// urlPart is the part of a URL a piece of its template stands in.
type urlPart int

const (
	partScheme urlPart = iota
	partUser
	partPassword
	partHost
	partPort
	partPath
	partQuery
	partFragment
)

// A urlToken is a piece of a URL template placed in its part; seg numbers
// the path segments (delimiters have -1).
type urlToken struct {
	piece
	part urlPart
	seg  int
}

// A urlTemplate is a URL as written, split into parts with its references whole.
type urlTemplate struct {
	toks        []urlToken
	portWritten bool // the URL writes a port after a host reference
}

var schemePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*$`)

// parseURLTemplate places every piece of raw in its part of the URL, or says
// why a reference is where none may be.
func parseURLTemplate(raw string) (*urlTemplate, error) {
	ps := parseTemplate(raw)
	t := &urlTemplate{}
	first := -1
	for i, p := range ps {
		if p.isRef {
			first = i
			break
		}
	}
	if first < 0 { // no reference: the URL as written, escapes undone
		for _, p := range ps {
			t.add(p, partScheme, -1)
		}
		return t, nil
	}
	head := ""
	if !ps[0].isRef {
		head = ps[0].text
	}
	i := strings.Index(head, "://")
	if i < 0 || !schemePattern.MatchString(head[:i]) {
		return nil, newProblem(ErrReference, "%s: a URL holding references starts with its scheme and :// written out (https://...); a reference cannot stand for the scheme", ps[first].ref)
	}
	t.add(piece{text: head[:i+3]}, partScheme, -1)
	rest := append([]piece{{text: head[i+3:]}}, ps[1:]...)

	// The authority ends at the first "/", "?" or "#" written in the file.
	var auth []piece
	k := 0
	for ; k < len(rest); k++ {
		p := rest[k]
		if j := strings.IndexAny(p.text, "/?#"); !p.isRef && j >= 0 {
			auth = append(auth, piece{text: p.text[:j]})
			rest[k] = piece{text: p.text[j:]}
			break
		}
		auth = append(auth, p)
	}
	if err := t.authority(auth); err != nil {
		return nil, err
	}

	part, seg := partPath, 0
	for ; k < len(rest); k++ {
		p := rest[k]
		if p.isRef {
			t.add(p, part, seg)
			continue
		}
		from := 0
		for j := 0; j < len(p.text); j++ {
			c := p.text[j]
			next := part
			switch {
			case part == partPath && c == '/':
			case part == partPath && c == '?':
				next = partQuery
			case part != partFragment && c == '#':
				next = partFragment
			default:
				continue
			}
			t.add(piece{text: p.text[from:j]}, part, seg)
			part = next
			t.add(piece{text: p.text[j : j+1]}, part, -1)
			seg++
			from = j + 1
		}
		t.add(piece{text: p.text[from:]}, part, seg)
	}
	return t, nil
}

// authority places the pieces between :// and the path: user info up to the
// last "@" written, user and password split at the first ":", then the host
// and port. A reference in the host must be the whole host.
func (t *urlTemplate) authority(auth []piece) error {
	at, atPos := -1, 0
	for i, p := range auth {
		if j := strings.LastIndexByte(p.text, '@'); !p.isRef && j >= 0 {
			at, atPos = i, j
		}
	}
	hostport := auth
	if at >= 0 {
		part := partUser
		info := append(append([]piece{}, auth[:at]...), piece{text: auth[at].text[:atPos]})
		for _, p := range info {
			if j := strings.IndexByte(p.text, ':'); !p.isRef && part == partUser && j >= 0 {
				t.add(piece{text: p.text[:j]}, partUser, -1)
				t.add(piece{text: ":"}, partPassword, -1)
				p.text, part = p.text[j+1:], partPassword
			}
			t.add(p, part, -1)
		}
		t.add(piece{text: "@"}, partHost, -1)
		hostport = append([]piece{{text: auth[at].text[atPos+1:]}}, auth[at+1:]...)
	}
	var hp []piece
	refs := 0
	for _, p := range hostport {
		if p.isRef {
			refs++
		}
		if p.isRef || p.text != "" {
			hp = append(hp, p)
		}
	}
	if refs == 0 {
		for _, p := range hp {
			t.add(p, partHost, -1)
		}
		return nil
	}
	if hp[0].isRef && (len(hp) == 1 || len(hp) == 2 && !hp[1].isRef && strings.HasPrefix(hp[1].text, ":")) {
		t.add(hp[0], partHost, -1)
		if len(hp) == 2 {
			t.portWritten = true
			t.add(hp[1], partPort, -1)
		}
		return nil
	}
	// Say whether the misplaced reference is in the port or in the host.
	inBrackets, port := false, false
	for _, p := range hp {
		if p.isRef {
			if port {
				return newProblem(ErrReference, "%s: a reference cannot be the port alone: write the port, or let one reference be the whole host and port", p.ref)
			}
			continue
		}
		for _, c := range p.text {
			switch {
			case c == '[':
				inBrackets = true
			case c == ']':
				inBrackets = false
			case c == ':' && !inBrackets:
				port = true
			}
		}
	}
	for _, p := range hp {
		if p.isRef {
			return newProblem(ErrReference, "%s: a reference in the host must be the whole host (https://${env:API_HOST}/), not a part of it", p.ref)
		}
	}
	return nil // not reached: refs > 0
}

func (t *urlTemplate) add(p piece, part urlPart, seg int) {
	if p.isRef || p.text != "" {
		t.toks = append(t.toks, urlToken{piece: p, part: part, seg: seg})
	}
}

// build writes the URL, each reference's value from value escaped for its
// part. Literal text stays as written.
func (t *urlTemplate) build(value func(Ref) (string, error)) (string, error) {
	out := make([]string, len(t.toks))
	for i, tok := range t.toks {
		if !tok.isRef && tok.part == partPath {
			out[i] = escapeLiteralPath(tok.text)
			continue
		}
		if !tok.isRef {
			out[i] = tok.text
			continue
		}
		v, err := value(tok.ref)
		if err == nil {
			v, err = t.escape(tok, v)
		}
		if err != nil {
			return "", &RefError{Ref: tok.ref, Err: err}
		}
		out[i] = v
	}
	// A path segment a value made "." or ".." would climb the path: send its dots escaped.
	for i := 0; i < len(t.toks); {
		j, ref, seg := i, false, ""
		for ; j < len(t.toks) && t.toks[j].part == partPath && t.toks[j].seg >= 0 && t.toks[j].seg == t.toks[i].seg; j++ {
			ref = ref || t.toks[j].isRef
			seg += out[j]
		}
		if j == i {
			i++
			continue
		}
		if ref && (seg == "." || seg == "..") {
			out[i] = strings.Repeat("%2E", len(seg))
			for k := i + 1; k < j; k++ {
				out[k] = ""
			}
		}
		i = j
	}
	return strings.Join(out, ""), nil
}

// escape escapes a value for the part of the URL tok stands in. The error
// never holds the value.
func (t *urlTemplate) escape(tok urlToken, v string) (string, error) {
	switch tok.part {
	case partUser:
		return escapeUser(v), nil
	case partPassword:
		return escapePassword(v), nil
	case partHost:
		if err := checkHost(v, t.portWritten); err != nil {
			return "", err
		}
		return v, nil
	case partPath:
		return url.PathEscape(v), nil
	case partQuery:
		return url.QueryEscape(v), nil
	case partFragment:
		return escapeFragment(v), nil
	}
	return "", errors.New("a reference cannot stand here") // the scheme and port: refused by parseURLTemplate
}

// escapeLiteralPath percent-encodes the characters of path text written in
// the file that a URL's path cannot hold as they are (a space, "{", "|", a
// byte above ASCII...), leaving "%XX" escapes as written. Else Go would
// re-encode the whole path from its decoded form, and the "%2F" that keeps a
// value's "/" inside its segment would become a "/".
func escapeLiteralPath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$&'()*+,/:;=@[]%", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteString(url.PathEscape(string(c)))
	}
	return b.String()
}

func escapeUser(v string) string { return url.User(v).String() }
func escapePassword(v string) string {
	return strings.TrimPrefix(url.UserPassword("", v).String(), ":")
}
func escapeFragment(v string) string { return (&url.URL{Fragment: v}).EscapedFragment() }

var hostNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$`)

// checkHost says why the value of a host reference is not a host (with a
// port when the URL writes none), or nil.
func checkHost(v string, portWritten bool) error {
	host, port, hasPort := v, "", false
	if i := strings.LastIndexByte(v, ':'); i >= 0 && !strings.HasSuffix(v, "]") {
		host, port, hasPort = v[:i], v[i+1:], true
	}
	switch {
	case v == "":
		return errors.New("the host is empty")
	case strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]"):
		if a, err := netip.ParseAddr(host[1 : len(host)-1]); err != nil || !a.Is6() || a.Zone() != "" {
			return errors.New("the value is not a host: the brackets hold no IPv6 address")
		}
	case len(host) > 253 || !hostNamePattern.MatchString(host):
		return errors.New("the value is not a host: use a host name, an IP address or a bracketed IPv6 address, optionally with :port")
	}
	if hasPort {
		if portWritten {
			return errors.New("the value holds a port, and the URL writes one after it")
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || port[0] == '+' {
			return errors.New("the value's port is not a number from 1 to 65535")
		}
	}
	return nil
}

// urlRefs checks where the references of a URL stand (see above); it reports
// a misplaced one and answers false, leaving the URL's other checks to url.
func (v *validator) urlRefs(p, raw string) bool {
	t, err := parseURLTemplate(raw)
	if err != nil {
		v.errs = append(v.errs, v.c.fieldError(p, err))
		return false
	}
	if v.c.urls == nil {
		v.c.urls = map[string]*urlTemplate{}
	}
	v.c.urls[raw] = t
	return true
}

// urlTemplate returns the template of a URL as written: the one validation
// parsed, or, for a URL it did not see, a new one.
func (c *Config) urlTemplate(raw string) (*urlTemplate, error) {
	if t, ok := c.urls[raw]; ok {
		return t, nil
	}
	return parseURLTemplate(raw)
}

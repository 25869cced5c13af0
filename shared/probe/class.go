package probe

import (
	"fmt"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// Describe explains the class in one line, for docs and the CLI.
func (c Class) Describe() string {
	switch c {
	case ClassNone:
		return "no failure: the probe passed (it may still be slow)"
	case ClassTimeout:
		return "the probe did not finish within the area's timeout (connecting, waiting for the response or reading the body)"
	case ClassDNS:
		return "the host name could not be resolved"
	case ClassRefused:
		return "the server refused the TCP connection: nothing listens on that port"
	case ClassReset:
		return "the connection was reset or closed before a complete response arrived"
	case ClassTLSExpired:
		return "the server's certificate has expired"
	case ClassTLSNotYetValid:
		return "the server's certificate is not valid yet: its validity starts later (a certificate deployed early, or a clock that is behind)"
	case ClassTLSUntrusted:
		return "the server's certificate is not signed by a trusted authority (e.g. self-signed)"
	case ClassTLSHostname:
		return "the server's certificate is for another host name"
	case ClassTLSExpiring:
		return "the server's certificate is valid but expires sooner than tls_days_left asserts"
	case ClassTLS:
		return "the TLS handshake failed for another reason (protocol, cipher, not TLS at all, a client certificate required or refused)"
	case ClassHTTPStatus:
		return "the response status is not one the step expects"
	case ClassAssertion:
		return "the response did not satisfy an assertion (body, JSON, header or max_latency)"
	case ClassBodyTooLarge:
		return fmt.Sprintf("the response body is larger than body_limit, or decoding it as JSON could take more than %d times body_limit", check.JSONDecodeFactor)
	case ClassRedirectLoop:
		return "redirects went in a loop or beyond max_redirects"
	case ClassRedirectRefused:
		return "a redirect was not followed: it would have re-sent a request body holding a secret to another host, or over plain http"
	case ClassCapture:
		return "a value a later step needs was not found in the response"
	case ClassControlFailed:
		return "this location's control probe failed, so it abstained instead of probing"
	case ClassNotProbed:
		return "the round ended (its deadline, or an interrupt) before this area finished, so this location did not judge it"
	case ClassNotRun:
		return "the area was not probed: something it needs is missing where it would run (e.g. the credentials to resolve one of its secrets)"
	case ClassOther:
		return "any other failure (e.g. a malformed response or request)"
	}
	return "unknown class"
}

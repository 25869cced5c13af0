// Package logline keeps every log line of the functions under a known size.
// CloudWatch Logs takes at most 256 KB per event, and log lines echo values
// from outside: an event's time, an alarm's name, a server's reply, an
// error's text. Bound wraps any slog.Handler so that no such value can make
// a line too long, whatever the code that logs it.
//
// It knows nothing of what is logged: keys, which come from code, pass as
// they are; values are measured and cut.
package logline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Limits, in bytes as written: escapes count, so a value of control
// characters or invalid UTF-8 (six bytes each in JSON) is cut sooner.
const (
	// MaxValue bounds one value: a string, an error's text, a group member,
	// or an arbitrary value's JSON. Generous: a probe's message is at most 300
	// characters, a URL rarely 2,000, and the longest real line (an init
	// failure listing every problem of a checks file) a few thousand bytes.
	MaxValue = 16 << 10
	// MaxLine bounds all the values of one line together: the record's, its
	// message and those the logger carries (Logger.With). Once it is spent,
	// a remaining value longer than the cut mark is replaced by the mark
	// alone. With keys and marks a line stays far below CloudWatch's 256 KB.
	MaxLine = 64 << 10
)

// Bound returns h with every value bounded by MaxValue and every line by
// MaxLine. A cut value keeps its start, cut on a character boundary, followed
// by a mark that says how long it was: "…[truncated from 1048576 bytes]".
// Bound of a bounded handler returns it unchanged.
func Bound(h slog.Handler) slog.Handler {
	if b, ok := h.(*handler); ok {
		return b
	}
	return &handler{inner: h}
}

// Clip bounds s as Bound bounds one value, for text that reaches a log by
// another way (e.g. the error a Lambda handler returns, which the runtime
// writes to the log).
func Clip(s string) string {
	budget := MaxValue
	return boundString(s, &budget)
}

type handler struct {
	inner slog.Handler
	used  int // of MaxLine, by the values attached with WithAttrs
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if h.fits(r) {
		return h.inner.Handle(ctx, r)
	}
	budget := MaxLine - h.used
	out := slog.NewRecord(r.Time, r.Level, boundString(r.Message, &budget), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(boundAttr(a, &budget))
		return true
	})
	return h.inner.Handle(ctx, out)
}

// fits reports whether Handle would leave r as it is: its message and
// values are text within the budgets, numbers and the like. Most lines (a
// probe's result, one per area a round) are, and are passed on uncopied.
func (h *handler) fits(r slog.Record) bool {
	budget := MaxLine - h.used
	spend := func(s string) bool {
		w, _ := measure(s, -1)
		if w > max(min(MaxValue, budget), 0) {
			return false
		}
		budget -= w
		return true
	}
	ok := spend(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		switch a.Value.Kind() {
		case slog.KindString:
			ok = spend(a.Value.String())
		case slog.KindGroup, slog.KindAny, slog.KindLogValuer:
			ok = false // bounded member by member, or as written
		}
		return ok
	})
	return ok
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	budget := MaxLine - h.used
	bounded := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		bounded[i] = boundAttr(a, &budget)
	}
	return &handler{inner: h.inner.WithAttrs(bounded), used: MaxLine - max(budget, 0)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{inner: h.inner.WithGroup(name), used: h.used}
}

// boundAttr bounds a's value, spending from budget what it keeps.
func boundAttr(a slog.Attr, budget *int) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, boundString(v.String(), budget))
	case slog.KindGroup:
		members := v.Group()
		bounded := make([]slog.Attr, len(members))
		for i, m := range members {
			bounded[i] = boundAttr(m, budget)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(bounded...)}
	case slog.KindAny:
		x := v.Any()
		if err, ok := x.(error); ok {
			// Both handlers write an error as its text.
			return slog.String(a.Key, boundString(err.Error(), budget))
		}
		// Measured as the JSON handler writes it; a text handler's %+v of
		// the same value is no longer.
		b, err := json.Marshal(x)
		if err != nil {
			return slog.String(a.Key, boundString(fmt.Sprintf("%+v", x), budget))
		}
		if w, _ := measure(string(b), -1); w <= min(MaxValue, *budget) {
			*budget -= w
			return slog.Attr{Key: a.Key, Value: v}
		}
		return slog.String(a.Key, boundString(string(b), budget))
	}
	return slog.Attr{Key: a.Key, Value: v} // numbers, booleans, times, durations: fixed size
}

// boundString returns s, or its start and the cut mark when s is wider than
// MaxValue or what is left of the line's budget.
func boundString(s string, budget *int) string {
	room := max(min(MaxValue, *budget), 0)
	w, _ := measure(s, -1)
	mark := "…[truncated from " + strconv.Itoa(len(s)) + " bytes]"
	if w <= room || w <= len(mark) { // a value no longer than the mark is kept whole
		*budget -= w
		return s
	}
	_, keep := measure(s, room-len(mark))
	*budget -= room
	return s[:keep] + mark
}

// quotes are the two bytes a text handler adds around a value it quotes.
const quotes = 2

// measure returns the width of s as written by slog's JSON or text handler,
// whichever is wider for each character, quotes included; and the length of
// the longest prefix, cut on a character boundary, whose width is at most
// limit (0 when limit is negative).
func measure(s string, limit int) (width, prefix int) {
	width = quotes
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var w int
		switch {
		case r == utf8.RuneError && size == 1:
			w = 6 // JSON: \ufffd; text: \xff
		case r == '"' || r == '\\':
			w = 2
		case r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029':
			w = 6 // JSON: \u00XX; text: \x00
		case r < utf8.RuneSelf:
			w = 1
		case !unicode.IsPrint(r):
			w = 10 // text: \U0010ffff
		default:
			w = size
		}
		if limit >= 0 && width+w <= limit {
			prefix = i + size
		}
		width += w
		i += size
	}
	if limit >= 0 && width <= limit {
		prefix = len(s)
	}
	return width, prefix
}

// ExcerptBytes is how much of a payload Excerpt quotes: enough to recognise
// it, and at most four times as much once quoted.
const ExcerptBytes = 128

// Excerpt quotes the start of a payload for a log line or an error,
// Go-escaped so that control characters and invalid UTF-8 show as what they
// are, cut on a character boundary and marked "..." when cut.
func Excerpt(payload []byte) string {
	if len(payload) <= ExcerptBytes {
		return strconv.Quote(string(payload))
	}
	cut := ExcerptBytes
	for cut > ExcerptBytes-utf8.UTFMax && !utf8.RuneStart(payload[cut]) {
		cut-- // do not split a character
	}
	return strconv.Quote(string(payload[:cut])) + "..."
}

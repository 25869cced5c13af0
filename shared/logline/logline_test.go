package logline_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lookout-monitoring/lookout/shared/logline"
)

// cloudWatchEvent is the most CloudWatch Logs takes in one event.
const cloudWatchEvent = 256 * 1024

const mib = 1 << 20

// noTime drops the record's time so two handlers' lines can be compared.
func noTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime {
		return slog.Attr{}
	}
	return a
}

func jsonLogger(w io.Writer) *slog.Logger {
	return slog.New(logline.Bound(slog.NewJSONHandler(w, &slog.HandlerOptions{ReplaceAttr: noTime})))
}

func textLogger(w io.Writer) *slog.Logger {
	return slog.New(logline.Bound(slog.NewTextHandler(w, &slog.HandlerOptions{ReplaceAttr: noTime})))
}

// oneLine returns the only line in b, failing unless there is exactly one.
func oneLine(t *testing.T, b *bytes.Buffer) []byte {
	t.Helper()
	lines := bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n"))
	if len(lines) != 1 {
		t.Fatalf("%d lines, want 1", len(lines))
	}
	return lines[0]
}

// Values of ordinary size are written exactly as without Bound.
func TestOrdinaryLinesAreUnchanged(t *testing.T) {
	type point struct{ X, Y int }
	log := func(l *slog.Logger) {
		l.With("app", "taskboard").WithGroup("g").Warn("result",
			"area", "SignIn", "message", strings.Repeat("connection refused by 127.0.0.1:8080; ", 8),
			"url", "https://taskboard.example.com/"+strings.Repeat("path/", 400),
			"status", 503, "total_ms", 12.5, "ok", false, "err", errors.New("dial tcp: refused"),
			"point", point{1, 2}, slog.Group("phases", "dns_ms", 1.5, "tls", "on"), "tags", []string{"a", "b"})
	}
	var plain, bounded bytes.Buffer
	log(slog.New(slog.NewJSONHandler(&plain, &slog.HandlerOptions{ReplaceAttr: noTime})))
	log(jsonLogger(&bounded))
	if plain.String() != bounded.String() {
		t.Errorf("bounded line differs:\n%s\nwant:\n%s", bounded.String(), plain.String())
	}
}

// Every shape of huge value is cut: the line is valid JSON, well under
// CloudWatch's limit, says what was cut and how long it was, and keeps the
// value's start without splitting a character.
func TestHugeValuesAreCut(t *testing.T) {
	for name, v := range map[string]string{
		"ASCII":          strings.Repeat("x", mib),
		"multi-byte":     strings.Repeat("é世🙂", mib/9),
		"NUL":            strings.Repeat("\x00", mib),
		"quotes":         strings.Repeat(`"\`, mib/2),
		"invalid UTF-8":  strings.Repeat("\xff\xfe", mib/2),
		"line separator": strings.Repeat("\u2028", mib/3),
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			jsonLogger(&b).Info("event time", "time", v)
			line := oneLine(t, &b)
			if len(line) >= cloudWatchEvent || len(line) > logline.MaxValue+200 {
				t.Fatalf("line of %d bytes", len(line))
			}
			var m map[string]string
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			got := m["time"]
			mark := "…[truncated from " + itoa(len(v)) + " bytes]"
			kept, found := strings.CutSuffix(got, mark)
			if !found || kept == "" {
				t.Fatalf("no cut mark %q at the end of %.80q…", mark, got)
			}
			if utf8.ValidString(v) && (!strings.HasPrefix(v, kept) || !utf8.ValidString(kept)) {
				t.Errorf("the kept start is not the value's start, cut on a character boundary")
			}
		})
	}
}

// Text lines (Lambda's TEXT log format) are bounded the same way.
func TestTextLinesAreBounded(t *testing.T) {
	for name, v := range map[string]string{
		"NUL":           strings.Repeat("\x00", mib),
		"invalid UTF-8": strings.Repeat("\xff", mib),
		"unprintable":   strings.Repeat("\U000E0001", mib/4), // LANGUAGE TAG: \U000e0001 in text
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			textLogger(&b).Info("x", "v", v, "err", errors.New(v))
			line := oneLine(t, &b)
			if len(line) > 2*logline.MaxValue+200 || !bytes.Contains(line, []byte("truncated from")) {
				t.Errorf("text line of %d bytes: %.200q", len(line), line)
			}
		})
	}
}

type secretLike struct{ v string }

func (s secretLike) LogValue() slog.Value { return slog.StringValue(s.v) }

// The message, errors, groups (nested), values resolved from a LogValuer
// and arbitrary values are all bounded.
func TestEveryKindOfValueIsBounded(t *testing.T) {
	huge := strings.Repeat("y", mib)
	for name, log := range map[string]func(*slog.Logger){
		"message":      func(l *slog.Logger) { l.Info(huge) },
		"error":        func(l *slog.Logger) { l.Info("x", "error", errors.New(huge)) },
		"group":        func(l *slog.Logger) { l.Info("x", slog.Group("g", "v", huge)) },
		"nested group": func(l *slog.Logger) { l.Info("x", slog.Group("g", slog.Group("h", "v", huge))) },
		"LogValuer":    func(l *slog.Logger) { l.Info("x", "v", secretLike{huge}) },
		"slice":        func(l *slog.Logger) { l.Info("x", "v", []string{huge, huge}) },
		"map":          func(l *slog.Logger) { l.Info("x", "v", map[string]string{"k": huge}) },
		"bytes":        func(l *slog.Logger) { l.Info("x", "v", []byte(huge)) },
		"With":         func(l *slog.Logger) { l.With("v", huge).Info("x") },
		"With group":   func(l *slog.Logger) { l.WithGroup("g").With("v", huge).Info("x", "w", huge) },
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			log(jsonLogger(&b))
			line := oneLine(t, &b)
			if len(line) > 2*logline.MaxValue+200 || !json.Valid(line) || !bytes.Contains(line, []byte("…[truncated from ")) {
				t.Errorf("line of %d bytes, valid JSON %v: %.200s", len(line), json.Valid(line), line)
			}
		})
	}
}

// However many values a line has, and however many the logger carries, the
// line stays under MaxLine plus keys and cut marks.
func TestALineHasOneBudget(t *testing.T) {
	huge := strings.Repeat("z", mib)
	var b bytes.Buffer
	l := jsonLogger(&b)
	for i := range 10 {
		l = l.With("with"+itoa(i), huge)
	}
	args := make([]any, 0, 200)
	for i := range 100 {
		args = append(args, "k"+itoa(i), huge)
	}
	l.Info(huge, append(args, "verdict", "down")...)
	line := oneLine(t, &b)
	if len(line) >= cloudWatchEvent || len(line) > logline.MaxLine+112*60 || !json.Valid(line) {
		t.Errorf("line of %d bytes", len(line))
	}
	var m map[string]any
	_ = json.Unmarshal(line, &m)
	if len(m) != 1+1+10+100+1 { // level, msg, the logger's and the record's
		t.Errorf("%d keys: a value was dropped instead of cut", len(m))
	}
	if m["verdict"] != "down" {
		t.Errorf("a value shorter than the cut mark was cut: %v", m["verdict"])
	}
}

func TestBoundIsIdempotent(t *testing.T) {
	h := logline.Bound(slog.NewJSONHandler(io.Discard, nil))
	w := slog.New(h).With("a", 1).Handler()
	if logline.Bound(h) != h || logline.Bound(w) != w {
		t.Error("Bound wrapped a bounded handler again")
	}
}

// The level is the inner handler's.
func TestEnabledIsTheInnerHandlers(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(logline.Bound(slog.NewJSONHandler(&b, &slog.HandlerOptions{Level: slog.LevelWarn})))
	l.Info("hidden")
	l.Warn("shown")
	sc := bufio.NewScanner(&b)
	n := 0
	for sc.Scan() {
		n++
	}
	if n != 1 || !l.Enabled(context.Background(), slog.LevelError) || l.Enabled(context.Background(), slog.LevelInfo) {
		t.Errorf("%d lines", n)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// BenchmarkResultLine is the probe's result line (the most frequent: one per
// area per minute) through a bounded and a plain JSON handler.
func BenchmarkResultLine(b *testing.B) {
	for name, h := range map[string]slog.Handler{
		"plain":   slog.NewJSONHandler(io.Discard, nil),
		"bounded": logline.Bound(slog.NewJSONHandler(io.Discard, nil)),
	} {
		b.Run(name, func(b *testing.B) {
			l := slog.New(h)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				l.LogAttrs(ctx, slog.LevelWarn, "result",
					slog.String("app", "taskboard"), slog.String("area", "SignIn"), slog.String("location", "London"),
					slog.String("region", "eu-west-2"), slog.String("verdict", "down"), slog.String("class", "http_status"),
					slog.Int("status", 503), slog.String("message", strings.Repeat("m", 300)),
					slog.Float64("dns_ms", 1.2), slog.Float64("connect_ms", 0.4), slog.Float64("tls_ms", 12.3),
					slog.Float64("ttfb_ms", 40.1), slog.Float64("transfer_ms", 0.2), slog.Float64("total_ms", 54.2),
					slog.Float64("slow_ms", 2000), slog.String("round", "2026-11-24T10:00:00Z"), slog.Int("steps", 1))
			}
		})
	}
}

// Clip is one value's bound, for text that reaches the log another way.
func TestClip(t *testing.T) {
	if got := logline.Clip("short"); got != "short" {
		t.Errorf("Clip(short) = %q", got)
	}
	got := logline.Clip(strings.Repeat("é", mib))
	if len(got) > logline.MaxValue || !utf8.ValidString(got) || !strings.HasSuffix(got, "…[truncated from 2097152 bytes]") {
		t.Errorf("Clip of 2 MB: %d bytes, ends %q", len(got), got[max(0, len(got)-40):])
	}
}

package probefn

import (
	"context"
	"io"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/lookout-monitoring/lookout/shared/logline"
)

// NewLogger returns the function's logger: slog JSON lines on w with the
// standard keys (time, level, msg) plus the invocation's requestId. Every
// value is bounded (package logline), so no line can exceed CloudWatch's
// 256 KB, whatever an event or a server sends.
//
// lambdacontext.NewLogger is not used: it writes text unless the function's
// log format is JSON, and in JSON it renames msg to "message", which would
// collide with the result line's "message" key (the probe's explanation).
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(logline.Bound(requestIDHandler{slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})}))
}

// requestIDHandler adds the Lambda request id, when the context has one.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		r.AddAttrs(slog.String("requestId", lc.AwsRequestID))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// LogLevel reads a level as Lambda's advanced logging controls name it
// (AWS_LAMBDA_LOG_LEVEL: TRACE, DEBUG, INFO, WARN, ERROR, FATAL); anything
// else, including nothing, is INFO.
func LogLevel(s string) slog.Level {
	switch strings.ToUpper(s) {
	case "TRACE", "DEBUG":
		return slog.LevelDebug
	case "WARN":
		return slog.LevelWarn
	case "ERROR", "FATAL":
		return slog.LevelError
	}
	return slog.LevelInfo
}

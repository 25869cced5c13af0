package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// hostileCase is an alarm notification nobody should send: anyone allowed to
// publish to the alarm topic can, and CloudWatch itself has sent alarms
// without times to hand-made tests.
type hostileCase struct {
	Case      string `json:"case"`
	Message   string `json:"message"`
	Malformed bool   `json:"malformed"`
}

// hostileCases are testdata/hostile-alarms.json, then the huge and
// invalid-UTF-8 ones, made here (a megabyte each, or bytes JSON cannot spell).
func hostileCases(t testing.TB) []hostileCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "hostile-alarms.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []hostileCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	const mib = 1 << 20
	huge := func(what string, fields map[string]any) hostileCase {
		b, err := json.Marshal(fields)
		if err != nil {
			t.Fatal(err)
		}
		return hostileCase{Case: what, Message: string(b)}
	}
	x := strings.Repeat("x", mib)
	cases = append(cases,
		huge("1 MiB name, description and reason (foreign)", map[string]any{
			"AlarmName": x, "AlarmDescription": x, "NewStateReason": x, "NewStateValue": "ALARM", "OldStateValue": "OK",
			"AlarmArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:" + x}),
		huge("1 MiB area in a Lookout name", map[string]any{
			"AlarmName": "lookout.taskboard.down." + x, "AlarmDescription": x, "NewStateReason": x, "NewStateValue": "ALARM"}),
		huge("1 MiB location in a Lookout name, recovered", map[string]any{
			"AlarmName": "lookout.taskboard.silent." + x, "NewStateValue": "OK", "OldStateValue": "ALARM"}),
		huge("1 MiB app in a Lookout name", map[string]any{
			"AlarmName": "lookout." + x + ".slow.Search", "NewStateValue": "ALARM", "OldStateValue": x}),
		huge("1 MiB of NUL", map[string]any{
			"AlarmName": strings.Repeat("\x00", mib), "NewStateReason": strings.Repeat("\x00", mib), "NewStateValue": "ALARM"}),
		huge("1 MiB dimension value", map[string]any{"AlarmName": "d", "NewStateValue": "ALARM",
			"Trigger": map[string]any{"MetricName": "M", "Dimensions": []map[string]string{{"name": "D", "value": x}}}}),
		// json.Marshal would repair these bytes: the message is written by hand.
		hostileCase{Case: "invalid UTF-8 in every string", Message: "{\"AlarmName\":\"lookout.taskboard.down.\xff\xfe\",\"NewStateValue\":\"ALARM\"," +
			"\"OldStateValue\":\"\xc3\",\"NewStateReason\":\"\xed\xa0\x80 surrogate bytes\",\"AlarmDescription\":\"\xe4\xb8\"}"},
		hostileCase{Case: "1 MiB of invalid UTF-8", Message: "{\"AlarmName\":\"" + strings.Repeat("\xff", mib) + "\",\"NewStateValue\":\"ALARM\"}"},
		hostileCase{Case: "malformed: invalid UTF-8 outside strings", Message: "{\"AlarmName\":\"x\",\xff\"NewStateValue\":\"ALARM\"}", Malformed: true},
	)
	return cases
}

// hostileRecord wraps a message as SNS delivers it, without a timestamp.
func hostileRecord(c hostileCase) events.SNSEventRecord {
	return events.SNSEventRecord{EventSource: "aws:sns", SNS: events.SNSEntity{MessageID: "hostile-1", Message: c.Message}}
}

// Every hostile notification is either skipped as malformed or rendered
// within every channel's limits, and says what it can.
func TestHostileAlarmsRenderWithinLimits(t *testing.T) {
	cfg := testConfig(t)
	for _, c := range hostileCases(t) {
		t.Run(c.Case, func(t *testing.T) {
			inc, err := FromRecord(hostileRecord(c), cfg)
			if c.Malformed {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, d := range map[string]Details{
				"details": fakeDetails(goldenNow, map[string]LocationStatus{"London": {Status: StatusFailing}}),
				"none":    {},
			} {
				r := Render(&inc, d, BuildLinks(&inc, cfg, goldenLinks), goldenNow)
				checkLimits(t, r)
				for what, s := range map[string]string{"email": r.Email, "subject": r.Subject, "SMS": r.SMS} {
					if strings.ContainsFunc(s, func(r rune) bool { return r < ' ' && r != '\n' || r == '\u2028' }) {
						t.Errorf("%s (%s) holds control characters: %.200q", what, name, s)
					}
				}
				checkSNS(t, &inc, r)
			}
		})
	}
}

// checkSNS: the SNS request fits SNS, attributes included.
func checkSNS(t *testing.T, inc *Alarm, r Rendered) {
	t.Helper()
	p := &recordingPublisher{}
	if err := NewEmail(NewTopic(p, "arn:aws:sns:us-east-1:1:t")).Notify(context.Background(), &Notice{Alarm: inc, Rendered: r}); err != nil {
		t.Fatal(err)
	}
	if p.in == nil {
		return // nothing published
	}
	size := len(aws.ToString(p.in.Message)) + len(aws.ToString(p.in.Subject))
	for k, v := range p.in.MessageAttributes {
		val := aws.ToString(v.StringValue)
		if n := utf8.RuneCountInString(val); n > maxName || !utf8.ValidString(val) || val == "" {
			t.Errorf("attribute %s of %d characters: %.80q", k, n, val)
		}
		size += len(k) + len(val) + len(aws.ToString(v.DataType))
	}
	if size > 256<<10 {
		t.Errorf("SNS message of %d bytes with its attributes", size)
	}
}

// A hostile notification through the handler: every channel is told, every
// log line (JSON, as Lambda's JSON log format writes) stays under CloudWatch's
// 256 KB and says what it cut, and the invocation's error (which
// aws-lambda-go logs too) is bounded.
func TestHostileAlarmsThroughTheHandler(t *testing.T) {
	for _, c := range hostileCases(t) {
		if c.Malformed {
			continue
		}
		t.Run(c.Case, func(t *testing.T) {
			pub := &recordingPublisher{err: errors.New("publish: " + c.Message)} // a server echoing what it got
			ps := newPagerServer(t)
			var logs bytes.Buffer
			h, err := NewHandler(Options{
				Config:   testConfig(t),
				Channels: []Channel{NewEmail(NewTopic(pub, "arn:aws:sns:us-east-1:1:t")), NewSMS(NewTopic(pub, "arn:aws:sns:us-east-1:1:t")), NewPagerDuty(ps.URL(), ps.Client(), staticKey(testRoutingKey, nil), testKeyRef)},
				Retry:    fastRetry,
				Logger:   slog.New(slog.NewJSONHandler(&logs, nil)),
				Now:      func() time.Time { return goldenNow },
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = h.Handle(context.Background(), events.SNSEvent{Records: []events.SNSEventRecord{hostileRecord(c)}})
			if err == nil || len(err.Error()) > 64<<10 {
				t.Errorf("invocation error of %d bytes, want the SNS failure, bounded", len(errText(err)))
			}
			for _, size := range ps.sizes() {
				if size > maxPagerEvent+200 {
					t.Errorf("pager event of %d bytes", size)
				}
			}
			huge := len(c.Message) > 1<<20
			cut := false
			for _, line := range bytes.Split(bytes.TrimSpace(logs.Bytes()), []byte("\n")) {
				if len(line) >= 256<<10 || !json.Valid(line) {
					t.Errorf("log line of %d bytes (valid JSON %v): %.200s", len(line), json.Valid(line), line)
				}
				cut = cut || bytes.Contains(line, []byte("…[truncated from "))
			}
			if huge && !cut {
				t.Errorf("no log line says it was cut:\n%.2000s", logs.String())
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A notification without a time says "unknown" wherever the time would be:
// never year 1 nor 2562047 hours ago, never a 00:00Z, and the logs links
// open the last hour instead of year 0.
func TestAlarmWithoutATimeSaysUnknown(t *testing.T) {
	cfg := testConfig(t)
	for _, msg := range []string{
		`{"AlarmName":"lookout.taskboard.down.SignIn","NewStateValue":"ALARM","OldStateValue":"OK"}`,
		`{"AlarmName":"lookout.taskboard.down.SignIn","NewStateValue":"OK","OldStateValue":"ALARM"}`,
		`{"AlarmName":"lookout.taskboard.down.SignIn","NewStateValue":"INSUFFICIENT_DATA","OldStateValue":"OK"}`,
		`{"AlarmName":"lookout.taskboard.silent.Sydney","NewStateValue":"ALARM","OldStateValue":"OK"}`,
		`{"AlarmName":"lookout.taskboard.silent.Sydney","NewStateValue":"OK","OldStateValue":"ALARM"}`,
		`{"AlarmName":"prod-db-cpu-high","NewStateValue":"OK","OldStateValue":"ALARM","StateChangeTime":"not a time"}`,
		`{"AlarmName":"prod-db-cpu-high","NewStateValue":"ALARM","OldStateValue":"OK"}`,
	} {
		inc, err := FromRecord(hostileRecord(hostileCase{Message: msg}), cfg)
		if err != nil || !inc.Since.IsZero() {
			t.Fatalf("%s: %v, since %v", msg, err, inc.Since)
		}
		for _, d := range []Details{{}, fakeDetails(goldenNow, map[string]LocationStatus{"London": {Status: StatusFailing}})} {
			r := Render(&inc, d, BuildLinks(&inc, cfg, goldenLinks), goldenNow)
			var pager []byte
			if r.Pager != nil {
				pager, _ = r.Pager.JSON("")
			}
			all := r.Subject + "\n" + r.Email + "\n" + r.SMS + "\n" + string(pager)
			for _, bad := range []string{"0001-01-01", "0000-12-31", "2562047", "00:00Z", "h ago"} {
				if strings.Contains(all, bad) {
					t.Errorf("%s renders %q:\n%s", msg, bad, all)
				}
			}
			if !strings.Contains(r.Email, " since unknown\n") {
				t.Errorf("%s: the email does not say since when is unknown:\n%s", msg, r.Email)
			}
			if r.Pager != nil && r.Pager.Payload != nil && (r.Pager.Payload.Timestamp != "" || r.Pager.Payload.CustomDetails.Since != "unknown") {
				t.Errorf("%s: pager timestamp %q, since %q", msg, r.Pager.Payload.Timestamp, r.Pager.Payload.CustomDetails.Since)
			}
		}
		for _, g := range BuildLinks(&inc, cfg, goldenLinks).Logs {
			if !strings.Contains(g.Href, "~(end~0~start~-3600~timeType~'RELATIVE~unit~'seconds~editorString~'") {
				t.Errorf("%s: logs link %s, want the last hour", msg, g.Href)
			}
		}
	}
	// The email's "since" alone.
	if got := since(time.Time{}, goldenNow); got != "unknown" {
		t.Errorf("since(zero) = %q", got)
	}
}

func TestText(t *testing.T) {
	for _, c := range []struct {
		in, want string
		n        int
		cut      bool
	}{
		{"  Sign-in \n\t down  ", "Sign-in down", 20, false},
		{"a\x00b\x1b[0m\u2028c", "a\ufffdb\ufffd[0m c", 20, false},
		{"\xff\xfe", "\ufffd\ufffd", 2, false}, // replaced, not cut
		{"0123456789", "0123456789", 10, false},
		{"01234567890", "0123456...", 10, true},
		{"a, b, c, d, e, f", "a, b...", 8, true},
		{strings.Repeat("é", 1<<20), strings.Repeat("é", 252) + "...", 255, true},
	} {
		got, cut := text(c.in, c.n)
		if got != c.want || cut != c.cut {
			t.Errorf("text(%.40q, %d) = %.40q, %v; want %.40q, %v", c.in, c.n, got, cut, c.want, c.cut)
		}
	}
}

package incident

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// ledger50 returns a ledger whose open incident has 50 members and a full
// timeline, every message delivered, and the changes that keep flapping one
// member after another from minute m on.
func ledger50(closed int) (Ledger, func(i int) (Change, time.Time)) {
	p := DefaultPolicy()
	l := Ledger{App: app}
	area := func(i int) string { return fmt.Sprintf("Area%02d", i%50) }
	flap := func(i int) (Change, time.Time) {
		now := at(1000).Add(time.Duration(i) * time.Second)
		s := ok
		if (i/50)%2 == 1 {
			s = firing
		}
		return down(area(i), s, now), now
	}
	deliver := func(ms []Message) {
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.ID)
		}
		l = Sent(l, ids)
	}
	// Resolved incidents the caller has not archived yet, 50 members each.
	for k := range closed {
		start := 10 * k
		for i := range 50 {
			var ms []Message
			l, ms = Apply(l, down(area(i), firing, at(start)), nil, at(start), p)
			deliver(ms)
		}
		for i := range 50 {
			var ms []Message
			l, ms = Apply(l, down(area(i), ok, at(start+1)), nil, at(start+1), p)
			deliver(ms)
		}
		var ms []Message
		l, ms = Tick(l, nil, nil, at(start+5), p)
		deliver(ms)
	}
	for i := range 50 {
		var ms []Message
		l, ms = Apply(l, down(area(i), firing, at(999)), nil, at(999), p)
		deliver(ms)
	}
	for i := range 2 * MaxTimeline {
		c, now := flap(i)
		var ms []Message
		l, ms = Apply(l, c, nil, now, p)
		deliver(ms)
	}
	return l, func(i int) (Change, time.Time) { return flap(i + 2*MaxTimeline) }
}

// BenchmarkApply50Members is one event as the notifier handles it: read the
// ledger's JSON document, apply one change, record its messages delivered,
// write the document. doc-bytes
// is the document's size, against DynamoDB's 400 KB item limit. With 20
// closed incidents of 50 members left unarchived the document would pass
// it; MaxDocument drops the oldest of them instead.
func BenchmarkApply50Members(b *testing.B) {
	for _, closed := range []int{0, MaxClosed} {
		b.Run(fmt.Sprintf("unarchived=%d", closed), func(b *testing.B) {
			l, next := ledger50(closed)
			doc, err := json.Marshal(l)
			if err != nil {
				b.Fatal(err)
			}
			p := DefaultPolicy()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				var read Ledger
				if err := json.Unmarshal(doc, &read); err != nil {
					b.Fatal(err)
				}
				c, now := next(i)
				i++
				var ms []Message
				read, ms = Apply(read, c, nil, now, p)
				for _, m := range ms {
					read = Sent(read, []string{m.ID})
				}
				if doc, err = json.Marshal(read); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(doc)), "doc-bytes")
		})
	}
}

func TestBenchmarkLedgerIsWhatItSays(t *testing.T) {
	t.Parallel()
	l, _ := ledger50(0)
	if l.Open == nil || len(l.Open.Members) != 50 || len(l.Open.Timeline) != MaxTimeline || l.Outbox != nil {
		t.Errorf("open %v, members %d, timeline %d, outbox %d", l.Open != nil, len(l.Open.Members), len(l.Open.Timeline), len(l.Outbox))
	}
}

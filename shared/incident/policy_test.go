package incident

import (
	"testing"
	"time"

	"github.com/lookout-monitoring/lookout/shared/check"
)

func TestPolicyOfTheChecksFile(t *testing.T) {
	if got := PolicyOf(check.Incidents{}); got != DefaultPolicy() {
		t.Errorf("nothing written: %+v, want the defaults %+v", got, DefaultPolicy())
	}
	zero, update, sms := check.Interval(0), check.Duration(10*time.Minute), 0
	got := PolicyOf(check.Incidents{Settle: &zero, UpdateEvery: &update, RemindEvery: &zero, SMSPerHour: &sms})
	if got.Settle >= 0 || got.RemindEvery >= 0 || got.SMSPerHour >= 0 || got.UpdateEvery != 10*time.Minute {
		t.Errorf("written zeros must mean none: %+v", got)
	}
	if got.WithDefaults() != got {
		t.Errorf("WithDefaults brought back what the file turned off: %+v", got.WithDefaults())
	}
}

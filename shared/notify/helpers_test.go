package notify

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/lookout-monitoring/lookout/shared/check"
)

// eventsDir holds the sample payloads shared with `sam local invoke -e`.
const eventsDir = "../../events"

func testConfig(t testing.TB) *check.Config {
	t.Helper()
	cfg, err := check.Load(filepath.Join("testdata", "checks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// alarmEventFiles lists the alarm samples in events/.
func alarmEventFiles(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"alarm-*.json", "sns-alarm-*.json"} {
		m, err := filepath.Glob(filepath.Join(eventsDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no alarm samples in events/")
	}
	return files
}

func readEvent(t testing.TB, path string) (events.SNSEvent, []byte) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SNSEvent
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(ev.Records) == 0 {
		t.Fatalf("%s: no records", path)
	}
	return ev, raw
}

// sampleIncident parses the first record of events/<name>.
func sampleIncident(t testing.TB, name string) Alarm {
	t.Helper()
	ev, _ := readEvent(t, filepath.Join(eventsDir, name))
	inc, err := FromRecord(ev.Records[0], testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

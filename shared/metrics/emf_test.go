package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
)

// ParseEMF reads EMF lines back into datum keys (see key), checking each
// object against the specification's limits.
func parseEMF(t *testing.T, out []byte, namespace string) (keys []string, objects int) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		objects++
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("EMF line is not a JSON object: %v: %s", err, sc.Text())
		}
		var meta struct {
			Timestamp         int64
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
				Metrics    []struct{ Name, Unit string }
			}
		}
		if err := json.Unmarshal(obj["_aws"], &meta); err != nil || len(meta.CloudWatchMetrics) != 1 {
			t.Fatalf("bad _aws (%v): %s", err, sc.Text())
		}
		dir := meta.CloudWatchMetrics[0]
		if dir.Namespace != namespace || len(dir.Dimensions) != 1 || len(dir.Metrics) == 0 || len(dir.Metrics) > 100 {
			t.Fatalf("bad directive: %s", sc.Text())
		}
		var dims []types.Dimension
		for _, name := range dir.Dimensions[0] {
			var v string
			if err := json.Unmarshal(obj[name], &v); err != nil {
				t.Fatalf("dimension %s has no string value: %s", name, sc.Text())
			}
			dims = append(dims, types.Dimension{Name: aws.String(name), Value: aws.String(v)})
		}
		for _, m := range dir.Metrics {
			var v float64
			if err := json.Unmarshal(obj[m.Name], &v); err != nil {
				t.Fatalf("metric %s has no value: %s", m.Name, sc.Text())
			}
			keys = append(keys, key(types.MetricDatum{MetricName: aws.String(m.Name), Dimensions: dims, Unit: types.StandardUnit(m.Unit),
				Value: aws.Float64(v), Timestamp: aws.Time(time.UnixMilli(meta.Timestamp))}))
		}
	}
	slices.Sort(keys)
	return keys, objects
}

func TestEMFHoldsEveryDatumOnce(t *testing.T) {
	r := mixedRound()
	for i := range 120 { // more metrics than one object holds
		r.Results = append(r.Results, probe.Result{Area: fmt.Sprintf("Area%d", i), Verdict: probe.Up, Status: 200, Phases: phases(i)})
	}
	ds := metrics.Datums(config(true), "London", roundTime, r)
	var out bytes.Buffer
	n, err := metrics.WriteEMF(&out, "Lookout/taskboard", ds)
	if err != nil || n != len(ds) {
		t.Fatalf("wrote %d of %d datums: %v", n, len(ds), err)
	}
	got, _ := parseEMF(t, out.Bytes(), "Lookout/taskboard")
	if want := keys(ds); !slices.Equal(got, want) {
		t.Errorf("EMF gives back:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestEMFLine(t *testing.T) {
	ds := metrics.Datums(config(false), "London", roundTime, probe.Round{Results: []probe.Result{
		{Area: "SignIn", Verdict: probe.Down, Status: 503, Phases: phases(80)},
	}})
	var out bytes.Buffer
	if _, err := metrics.WriteEMF(&out, "Lookout/taskboard", ds); err != nil {
		t.Fatal(err)
	}
	const ts = `{"_aws":{"Timestamp":1795514400000,"CloudWatchMetrics":[{"Namespace":"Lookout/taskboard",`
	want := ts + `"Dimensions":[["Location"]],"Metrics":[{"Name":"Heartbeat","Unit":"Count"}]}]},"Location":"London","Heartbeat":1}
` + ts + `"Dimensions":[["Area"]],"Metrics":[{"Name":"Failed","Unit":"Count"}]}]},"Area":"SignIn","Failed":1}
` + ts + `"Dimensions":[["Area","Location"]],"Metrics":[{"Name":"Failed","Unit":"Count"},{"Name":"Latency","Unit":"Milliseconds"}]}]},"Area":"SignIn","Location":"London","Failed":1,"Latency":80.25}
`
	if out.String() != want {
		t.Errorf("EMF:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestEMFSplitsObjects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		datums  []types.MetricDatum
		objects int
	}{
		{"at most 100 metrics an object", manyNames(250), 3},
		{"a metric name once an object", append(manyNames(1), manyNames(1)...), 2},
		{"another timestamp, another object", append(manyNames(1), at(manyNames(1), roundTime.Add(time.Minute))...), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := metrics.WriteEMF(&out, "Lookout/x", tc.datums)
			if err != nil || n != len(tc.datums) {
				t.Fatalf("wrote %d of %d: %v", n, len(tc.datums), err)
			}
			got, objects := parseEMF(t, out.Bytes(), "Lookout/x")
			if objects != tc.objects || !slices.Equal(got, keys(tc.datums)) {
				t.Errorf("%d objects (want %d), datums %v", objects, tc.objects, got)
			}
		})
	}
}

func manyNames(n int) []types.MetricDatum {
	ds := latencies(n)
	for i := range ds {
		ds[i].MetricName = aws.String(fmt.Sprintf("M%d", i))
		ds[i].Dimensions = ds[0].Dimensions
	}
	return ds
}

func at(ds []types.MetricDatum, ts time.Time) []types.MetricDatum {
	for i := range ds {
		ds[i].Timestamp = aws.Time(ts)
	}
	return ds
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("stdout closed") }

func TestEMFReportsWhatItCouldNotWrite(t *testing.T) {
	ds := latencies(3)
	n, err := metrics.WriteEMF(failingWriter{}, "Lookout/x", ds)
	if n != 0 || err == nil || !strings.Contains(err.Error(), "stdout closed") {
		t.Errorf("failing writer: %d written, %v", n, err)
	}
	ds[1].Timestamp = nil
	var out bytes.Buffer
	n, err = metrics.WriteEMF(&out, "Lookout/x", ds)
	if n != 2 || err == nil {
		t.Errorf("a datum without timestamp: %d written, %v", n, err)
	}
}

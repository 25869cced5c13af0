package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/awstest"
)

// These tests run the store with the real SDK against moto_server's DynamoDB.

const (
	testTable = "lookout-taskboard-ledger"
	testApp   = "taskboard"
)

// motoTable creates the ledger table in a fresh moto_server as template.yaml
// declares it (key schema, on-demand, TTL on expires) and returns a client for it.
func motoTable(t *testing.T) *dynamodb.Client {
	t.Helper()
	srv := awstest.Start(t)
	// The notifier runs in the home region; a client built elsewhere still goes there.
	client := awsclient.DynamoDB(srv.Config(t, "eu-west-2"), "us-east-1", "")
	if err := CreateTable(context.Background(), client, testTable); err != nil {
		t.Fatal(err)
	}
	return client
}

// rawItem reads an item as stored, to check the attributes the store writes.
func rawItem(t *testing.T, client *dynamodb.Client, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(testTable),
		Key:       key{pk, sk}.attributes(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

var testNow = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)

func TestMotoLoadOfNothing(t *testing.T) {
	s := New(motoTable(t), testTable)
	doc, version, err := s.Load(context.Background(), testApp)
	if doc != nil || version != 0 || err != nil {
		t.Fatalf("Load of an empty table = %q, %d, %v; want nil, 0, nil", doc, version, err)
	}
}

func TestMotoSaveAndLoadRoundTrip(t *testing.T) {
	client := motoTable(t)
	s := New(client, testTable, WithClock(func() time.Time { return testNow }))
	ctx := context.Background()

	first := []byte(`{"open":[],"note":"café"}`)
	if err := s.Save(ctx, testApp, first, 0); err != nil {
		t.Fatal(err)
	}
	doc, version, err := s.Load(ctx, testApp)
	if err != nil || !bytes.Equal(doc, first) || version != 1 {
		t.Fatalf("Load = %q, %d, %v; want %q, 1", doc, version, err, first)
	}
	item := rawItem(t, client, "app#"+testApp, "state")
	if s, ok := item["doc"].(*types.AttributeValueMemberS); !ok || s.Value != string(first) {
		t.Errorf("doc stored as %#v, want the JSON as a string", item["doc"])
	}
	if u, ok := item["updated"].(*types.AttributeValueMemberS); !ok || u.Value != "2026-12-01T09:30:00Z" {
		t.Errorf("updated = %#v, want the clock's time in RFC 3339", item["updated"])
	}
	if _, ok := item[TTLAttribute]; ok {
		t.Errorf("the state has an %s attribute: it must never expire", TTLAttribute)
	}

	// Bytes that are not UTF-8 are kept as they are (a binary attribute).
	second := []byte{0xff, 0xfe, 0x00, '{', '}'}
	if err := s.Save(ctx, testApp, second, 1); err != nil {
		t.Fatal(err)
	}
	doc, version, err = s.Load(ctx, testApp)
	if err != nil || !bytes.Equal(doc, second) || version != 2 {
		t.Fatalf("Load = %q, %d, %v; want %q, 2", doc, version, err, second)
	}

	// Apps are kept apart.
	if doc, version, err := s.Load(ctx, "other"); doc != nil || version != 0 || err != nil {
		t.Errorf("another app's Load = %q, %d, %v", doc, version, err)
	}
}

func TestMotoSaveWithAStaleVersionConflicts(t *testing.T) {
	s := New(motoTable(t), testTable)
	ctx := context.Background()
	if err := s.Save(ctx, testApp, []byte(`{"n":1}`), 0); err != nil {
		t.Fatal(err)
	}

	for _, stale := range []int64{0, 2} { // "none yet" when there is one; a version never stored
		err := s.Save(ctx, testApp, []byte(`{"n":"lost"}`), stale)
		if !errors.Is(err, ErrConflict) {
			t.Fatalf("Save with version %d = %v, want ErrConflict", stale, err)
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Errorf("the conflict does not wrap the SDK's ConditionalCheckFailedException: %v", err)
		}
		for _, part := range []string{testTable, `"app#taskboard"`, `"state"`, "Save"} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("error %q does not name %s", err, part)
			}
		}
	}
	if err := s.Save(ctx, testApp, []byte(`{"n":2}`), 1); err != nil {
		t.Fatalf("Save with the current version: %v", err)
	}
	if doc, version, _ := s.Load(ctx, testApp); string(doc) != `{"n":2}` || version != 2 {
		t.Errorf("stored %s version %d, want the one winning write", doc, version)
	}
}

// Two writers race 20 increments each through Update: conditional writes make
// every increment land exactly once.
func TestMotoUpdateRacingWritersStoreEveryResultOnce(t *testing.T) {
	const writers, increments = 2, 20
	// Enough rounds that a writer never gives up here: what is tested is that
	// no increment is lost or doubled, not how long a writer may lose.
	s := New(motoTable(t), testTable, WithAttempts(writers*increments))
	ctx := context.Background()

	type counter struct {
		Count  int    `json:"count"`
		Writer string `json:"writer"`
	}
	var (
		mu      sync.Mutex
		written []int // the count of every document a call says it wrote
		calls   atomic.Int64
		wg      sync.WaitGroup
		errs    = make(chan error, writers*increments)
	)
	for w := range writers {
		wg.Go(func() {
			for range increments {
				stored, wrote, err := s.Update(ctx, testApp, func(doc []byte) ([]byte, error) {
					calls.Add(1)
					var c counter
					if doc != nil {
						if err := json.Unmarshal(doc, &c); err != nil {
							return nil, err
						}
					}
					c.Count++
					c.Writer = fmt.Sprint(w)
					return json.Marshal(c)
				})
				if err != nil || !wrote {
					errs <- fmt.Errorf("Update = %s, %v, %v", stored, wrote, err)
					return
				}
				var c counter
				if err := json.Unmarshal(stored, &c); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				written = append(written, c.Count)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	doc, version, err := s.Load(ctx, testApp)
	if err != nil {
		t.Fatal(err)
	}
	var final counter
	if err := json.Unmarshal(doc, &final); err != nil {
		t.Fatal(err)
	}
	if final.Count != writers*increments || version != writers*increments {
		t.Errorf("final count %d at version %d, want %d", final.Count, version, writers*increments)
	}
	slices.Sort(written)
	want := make([]int, writers*increments)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(written, want) {
		t.Errorf("the counts the writers stored = %v, want each of 1..%d once", written, writers*increments)
	}
	t.Logf("%d calls of fn for %d writes", calls.Load(), writers*increments)
}

func TestMotoRecords(t *testing.T) {
	client := motoTable(t)
	s := New(client, testTable, WithClock(func() time.Time { return testNow }))
	ctx := context.Background()
	day := 24 * time.Hour

	put := func(app, kind, id, doc string, expires time.Time) {
		t.Helper()
		if err := s.PutRecord(ctx, app, kind, id, []byte(doc), expires); err != nil {
			t.Fatal(err)
		}
	}
	put(testApp, "incident", "2026-11-30T10:00Z-a", `{"v":1}`, testNow.Add(90*day))
	put(testApp, "incident", "2026-11-30T10:00Z-a", `{"v":2}`, testNow.Add(90*day)) // the same again: replaced
	put(testApp, "incident", "2026-11-29T08:00Z-b", `{"v":3}`, testNow.Add(89*day))
	put(testApp, "incident", "2026-08-01T00:00Z-c", `{"old":true}`, testNow.Add(-time.Hour)) // expired, TTL not yet run
	put(testApp, "incidentx", "not-an-incident", `{}`, testNow.Add(day))                     // another kind that shares a prefix
	put(testApp, "window", "deploy-42", `{"reason":"deploy"}`, testNow.Add(30*time.Minute))
	put("other", "incident", "elsewhere", `{}`, testNow.Add(day))

	item := rawItem(t, client, "app#"+testApp, "window#deploy-42")
	if e, ok := item[TTLAttribute].(*types.AttributeValueMemberN); !ok || e.Value != fmt.Sprint(testNow.Add(30*time.Minute).Unix()) {
		t.Errorf("%s = %#v, want epoch seconds", TTLAttribute, item[TTLAttribute])
	}
	if u, ok := item["updated"].(*types.AttributeValueMemberS); !ok || u.Value != "2026-12-01T09:30:00Z" {
		t.Errorf("updated = %#v", item["updated"])
	}

	got, err := s.ListRecords(ctx, testApp, "incident", testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{ID: "2026-11-29T08:00Z-b", Doc: []byte(`{"v":3}`), Expires: testNow.Add(89 * day)},
		{ID: "2026-11-30T10:00Z-a", Doc: []byte(`{"v":2}`), Expires: testNow.Add(90 * day)},
	}
	if gj, wj := mustJSON(t, got), mustJSON(t, want); gj != wj {
		t.Errorf("incidents\n got %s\nwant %s", gj, wj)
	}

	// A record is live until its expiry second, not at it.
	w := testNow.Add(30 * time.Minute)
	for at, n := range map[time.Time]int{w.Add(-time.Second): 1, w: 0, w.Add(time.Hour): 0} {
		got, err := s.ListRecords(ctx, testApp, "window", at)
		if err != nil || len(got) != n {
			t.Errorf("windows at %s = %d records (%v), want %d", at.Format(time.TimeOnly), len(got), err, n)
		}
	}

	if err := s.DeleteRecord(ctx, testApp, "window", "deploy-42"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteRecord(ctx, testApp, "window", "deploy-42"); err != nil {
		t.Errorf("deleting a record that is gone: %v", err)
	}
	if got, err := s.ListRecords(ctx, testApp, "window", testNow); err != nil || len(got) != 0 {
		t.Errorf("windows after the delete = %v, %v", got, err)
	}
	if got, err := s.ListRecords(ctx, "nobody", "incident", testNow); err != nil || len(got) != 0 {
		t.Errorf("an app with no records = %v, %v", got, err)
	}
	// Records never touch the state.
	if doc, version, err := s.Load(ctx, testApp); doc != nil || version != 0 || err != nil {
		t.Errorf("Load after records = %q, %d, %v", doc, version, err)
	}
}

// queryCounter counts the Query pages the store asks for.
type queryCounter struct {
	API
	queries atomic.Int64
}

func (q *queryCounter) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	q.queries.Add(1)
	return q.API.Query(ctx, in, opts...)
}

func TestMotoListRecordsReadsEveryPage(t *testing.T) {
	client := motoTable(t)
	api := &queryCounter{API: client}
	s := New(api, testTable)
	s.pageSize = 3
	ctx := context.Background()
	var want []string
	for i := range 10 {
		id := fmt.Sprintf("i%02d", i)
		expires := testNow.Add(time.Hour)
		if i%4 == 1 {
			expires = testNow.Add(-time.Hour) // expired ones still fill pages
		} else {
			want = append(want, id)
		}
		if err := s.PutRecord(ctx, testApp, "incident", id, []byte(`{}`), expires); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListRecords(ctx, testApp, "incident", testNow)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("ids = %v, want %v", ids, want)
	}
	if n := api.queries.Load(); n < 4 {
		t.Errorf("%d Query calls for 10 items at 3 a page, want at least 4", n)
	}

	// Past the bounds it fails, rather than hand back part of the records.
	s.maxRecords = len(want) - 1
	if _, err := s.ListRecords(ctx, testApp, "incident", testNow); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("more than %d records", len(want)-1)) {
		t.Errorf("over the record bound: %v", err)
	}
	s.maxRecords, s.maxPages = DefaultMaxRecords, 2
	if _, err := s.ListRecords(ctx, testApp, "incident", testNow); err == nil || !strings.Contains(err.Error(), "more than 2 pages") {
		t.Errorf("over the page bound: %v", err)
	}
}

// A document of a few hundred KB goes through as it is.
func TestMotoLargeDocument(t *testing.T) {
	s := New(motoTable(t), testTable)
	ctx := context.Background()
	big := []byte(`{"pad":"` + strings.Repeat("x", 300*1024) + `"}`)
	if err := s.Save(ctx, testApp, big, 0); err != nil {
		t.Fatal(err)
	}
	if doc, _, err := s.Load(ctx, testApp); err != nil || !bytes.Equal(doc, big) {
		t.Errorf("Load = %d bytes, %v; want %d", len(doc), err, len(big))
	}
	if err := s.PutRecord(ctx, testApp, "incident", "big", big, testNow.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.ListRecords(ctx, testApp, "incident", testNow); err != nil || len(got) != 1 || !bytes.Equal(got[0].Doc, big) {
		t.Errorf("ListRecords = %d records, %v", len(got), err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

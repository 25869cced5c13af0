package ledger

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"
)

// ledgerLike is what the notifier uses of a ledger: Store and Memory both.
type ledgerLike interface {
	Load(ctx context.Context, app string) ([]byte, int64, error)
	Update(ctx context.Context, app string, fn func(doc []byte) ([]byte, error)) ([]byte, bool, error)
	PutRecord(ctx context.Context, app, kind, id string, doc []byte, expires time.Time) error
	ListRecords(ctx context.Context, app, kind string, now time.Time) ([]Record, error)
	DeleteRecord(ctx context.Context, app, kind, id string) error
}

// contract holds a ledger to the behaviour the notifier relies on, so the
// demo's in-memory ledger and the DynamoDB store cannot drift apart.
func contract(t *testing.T, l ledgerLike) {
	t.Helper()
	ctx := context.Background()
	count := func(doc []byte) ([]byte, error) {
		n := 0
		if len(doc) > 0 {
			var err error
			if n, err = strconv.Atoi(string(doc)); err != nil {
				return nil, err
			}
		}
		return []byte(strconv.Itoa(n + 1)), nil
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for range 10 {
				if _, _, err := l.Update(ctx, testApp, count); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	doc, version, err := l.Load(ctx, testApp)
	if err != nil || string(doc) != "20" || version != 20 {
		t.Errorf("after 20 racing increments: %q version %d (%v)", doc, version, err)
	}
	if _, wrote, err := l.Update(ctx, testApp, func(doc []byte) ([]byte, error) { return doc, nil }); wrote || err != nil {
		t.Errorf("an unchanged document was written (%v, %v)", wrote, err)
	}
	if other, _, _ := l.Load(ctx, "other-app"); other != nil {
		t.Errorf("apps are not kept apart: %q", other)
	}

	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for id, expires := range map[string]time.Time{"b": now.Add(time.Hour), "a": now.Add(2 * time.Hour), "gone": now.Add(-time.Second)} {
		if err := l.PutRecord(ctx, testApp, "window", id, []byte(`{"id":"`+id+`"}`), expires); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.PutRecord(ctx, testApp, "incident", "x", []byte("{}"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	recs, err := l.ListRecords(ctx, testApp, "window", now)
	if err != nil || len(recs) != 2 || recs[0].ID != "a" || recs[1].ID != "b" || string(recs[1].Doc) != `{"id":"b"}` {
		t.Errorf("records = %+v (%v), want a and b in order, the expired one skipped", recs, err)
	}
	if err := l.DeleteRecord(ctx, testApp, "window", "a"); err != nil {
		t.Fatal(err)
	}
	if err := l.DeleteRecord(ctx, testApp, "window", "a"); err != nil {
		t.Errorf("deleting a missing record: %v", err)
	}
	if recs, _ := l.ListRecords(ctx, testApp, "window", now); len(recs) != 1 || recs[0].ID != "b" {
		t.Errorf("after delete: %+v", recs)
	}
	if err := l.PutRecord(ctx, testApp, "window", "c", []byte("{}"), time.Time{}); err == nil {
		t.Error("a record without expiry was accepted")
	}
}

func TestMemoryKeepsTheStoresContract(t *testing.T) { contract(t, NewMemory()) }

func TestMotoStoreKeepsTheContract(t *testing.T) {
	contract(t, New(motoTable(t), testTable, WithAttempts(40)))
}

package ledger

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Memory is a ledger held in memory with the Store's semantics (versioned
// state, read-modify-write, records that expire): the one `lookout demo`
// runs on, with no AWS at all. It is safe for concurrent use; what it holds
// is gone when the process ends.
type Memory struct {
	mu      sync.Mutex
	state   map[string]memoryState
	records map[string]map[string]Record // app#kind -> id -> record
}

type memoryState struct {
	doc     []byte
	version int64
}

// NewMemory returns an empty in-memory ledger.
func NewMemory() *Memory {
	return &Memory{state: map[string]memoryState{}, records: map[string]map[string]Record{}}
}

// Load returns the app's document and its version ((nil, 0, nil) when none).
func (m *Memory) Load(_ context.Context, app string) ([]byte, int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.state[app]
	return bytes.Clone(s.doc), s.version, nil
}

// Update runs fn on the app's document and stores its result, as
// Store.Update does; holding the lock, it never conflicts.
func (m *Memory) Update(ctx context.Context, app string, fn func(doc []byte) ([]byte, error)) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.state[app]
	next, err := fn(bytes.Clone(s.doc))
	if err != nil {
		return nil, false, fmt.Errorf("ledger: update of %s: %w", app, err)
	}
	if bytes.Equal(next, s.doc) {
		return bytes.Clone(s.doc), false, nil
	}
	if len(next) == 0 {
		return nil, false, fmt.Errorf("ledger: update of %s: an empty document", app)
	}
	m.state[app] = memoryState{doc: bytes.Clone(next), version: s.version + 1}
	return bytes.Clone(next), true, nil
}

// PutRecord stores a record, replacing one with the same kind and id.
func (m *Memory) PutRecord(_ context.Context, app, kind, id string, doc []byte, expires time.Time) error {
	if kind == "" || id == "" || expires.IsZero() {
		return fmt.Errorf("ledger: record %s/%s of %s: kind, id and expiry are required", kind, id, app)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := app + "#" + kind
	if m.records[key] == nil {
		m.records[key] = map[string]Record{}
	}
	m.records[key][id] = Record{ID: id, Doc: bytes.Clone(doc), Expires: expires.UTC().Truncate(time.Second)}
	return nil
}

// ListRecords returns the app's records of kind not expired at now, by id.
func (m *Memory) ListRecords(_ context.Context, app, kind string, now time.Time) ([]Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Record
	for _, r := range m.records[app+"#"+kind] {
		if r.Expires.After(now) {
			out = append(out, Record{ID: r.ID, Doc: bytes.Clone(r.Doc), Expires: r.Expires})
		}
	}
	slices.SortFunc(out, func(a, b Record) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out, nil
}

// DeleteRecord removes a record; a missing one is fine.
func (m *Memory) DeleteRecord(_ context.Context, app, kind, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.records[app+"#"+kind], id)
	return nil
}

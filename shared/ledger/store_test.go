package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeAPI answers with the functions it is given; a call without one fails the test.
type fakeAPI struct {
	t      *testing.T
	get    func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error)
	put    func(*dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error)
	gets   int
	puts   int
	others int
}

func (f *fakeAPI) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.gets++
	if f.get == nil {
		f.t.Errorf("unexpected GetItem %v", in.Key)
		return nil, errors.New("unexpected")
	}
	return f.get(in)
}

func (f *fakeAPI) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts++
	if f.put == nil {
		f.t.Errorf("unexpected PutItem %v", in.Item[SortKey])
		return nil, errors.New("unexpected")
	}
	return f.put(in)
}

func (f *fakeAPI) DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.others++
	f.t.Error("unexpected DeleteItem")
	return nil, errors.New("unexpected")
}

func (f *fakeAPI) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.others++
	f.t.Error("unexpected Query")
	return nil, errors.New("unexpected")
}

// storedState answers GetItem with a state item at version.
func storedState(doc string, version int64) func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
	return func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		return &dynamodb.GetItemOutput{Item: map[string]types.AttributeValue{
			attrDoc: &types.AttributeValueMemberS{Value: doc}, attrVersion: number(version),
		}}, nil
	}
}

func alwaysConflict(*dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
	return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
}

func increment(doc []byte) ([]byte, error) { return append(bytes.Clone(doc), '+'), nil }

// Someone else always writes first: Update tries its attempts, then says so.
func TestUpdateGivesUpAfterItsAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &fakeAPI{t: t, get: storedState(`{}`, 3), put: alwaysConflict}
		s := New(api, testTable)
		calls := 0
		stored, wrote, err := s.Update(context.Background(), testApp, func(doc []byte) ([]byte, error) {
			calls++
			return increment(doc)
		})
		if stored != nil || wrote {
			t.Errorf("Update = %q, %v after losing every race", stored, wrote)
		}
		if !errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), fmt.Sprintf("gave up after %d conflicting writes", DefaultAttempts)) {
			t.Errorf("err = %v, want ErrConflict after %d attempts", err, DefaultAttempts)
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Errorf("err does not wrap the SDK's error: %v", err)
		}
		if api.gets != DefaultAttempts || api.puts != DefaultAttempts || calls != DefaultAttempts {
			t.Errorf("%d reads, %d writes, %d calls of fn; want %d each", api.gets, api.puts, calls, DefaultAttempts)
		}
	})
}

// The waits between rounds end with the context.
func TestUpdateStopsWaitingWhenTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &fakeAPI{t: t, get: storedState(`{}`, 3), put: alwaysConflict}
		s := New(api, testTable)
		s.backoff = func(int) time.Duration { return time.Minute }
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := s.Update(ctx, testApp, increment)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrConflict) {
			t.Errorf("err = %v, want the deadline and the conflict before it", err)
		}
		if api.puts != 2 {
			t.Errorf("%d writes in 90 s with a minute between them, want 2", api.puts)
		}
		if waited := time.Since(start); waited != 90*time.Second { // the bubble's clock: exact
			t.Errorf("returned after %s, want at the deadline", waited)
		}
	})
}

// Conflicts are retried, other failures are not.
func TestUpdateRetriesOnlyConflicts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		version := int64(1)
		api := &fakeAPI{t: t}
		api.get = func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
			return storedState(`{}`, version)(nil)
		}
		api.put = func(in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
			if api.puts < 3 {
				version++ // another writer got there first
				return alwaysConflict(in)
			}
			return &dynamodb.PutItemOutput{}, nil
		}
		stored, wrote, err := New(api, testTable).Update(context.Background(), testApp, increment)
		if err != nil || !wrote || string(stored) != `{}+` {
			t.Fatalf("Update = %q, %v, %v", stored, wrote, err)
		}
		if api.puts != 3 {
			t.Errorf("%d writes, want 3 (two lost, one won)", api.puts)
		}

		throttled := errors.New("ProvisionedThroughputExceededException")
		api = &fakeAPI{t: t, get: storedState(`{}`, 1), put: func(*dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) { return nil, throttled }}
		if _, _, err := New(api, testTable).Update(context.Background(), testApp, increment); !errors.Is(err, throttled) || errors.Is(err, ErrConflict) {
			t.Errorf("err = %v, want the SDK's error and no conflict", err)
		}
		if api.puts != 1 {
			t.Errorf("%d writes after a failure that is no conflict, want 1", api.puts)
		}
	})
}

func TestUpdateWritesOnlyAChange(t *testing.T) {
	api := &fakeAPI{t: t, get: storedState(`{"a":1}`, 4)}
	s := New(api, testTable)
	stored, wrote, err := s.Update(context.Background(), testApp, func(doc []byte) ([]byte, error) { return doc, nil })
	if err != nil || wrote || string(stored) != `{"a":1}` || api.puts != 0 {
		t.Errorf("unchanged: Update = %q, %v, %v with %d writes; want the stored doc, no write", stored, wrote, err, api.puts)
	}

	// A change made in place is still a change.
	var cond string
	api.put = func(in *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
		v, _ := in.ExpressionAttributeValues[":version"].(*types.AttributeValueMemberN)
		cond = aws.ToString(in.ConditionExpression) + " " + aws.ToString(&v.Value)
		return &dynamodb.PutItemOutput{}, nil
	}
	stored, wrote, err = s.Update(context.Background(), testApp, func(doc []byte) ([]byte, error) {
		doc[len(doc)-2] = '2'
		return doc, nil
	})
	if err != nil || !wrote || string(stored) != `{"a":2}` {
		t.Errorf("in place: Update = %q, %v, %v", stored, wrote, err)
	}
	if cond != "#version = :version 4" {
		t.Errorf("the write's condition = %s, want the version read", cond)
	}

	// fn's error stops it; nothing is written.
	api.puts = 0
	bad := errors.New("bad document")
	if _, wrote, err := s.Update(context.Background(), testApp, func([]byte) ([]byte, error) { return nil, bad }); !errors.Is(err, bad) || wrote || api.puts != 0 {
		t.Errorf("fn failing: wrote %v, err %v, %d writes", wrote, err, api.puts)
	}

	// No state yet and nothing to add: nothing stored.
	api = &fakeAPI{t: t, get: func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) { return &dynamodb.GetItemOutput{}, nil }}
	if stored, wrote, err := New(api, testTable).Update(context.Background(), testApp, func(doc []byte) ([]byte, error) { return doc, nil }); stored != nil || wrote || err != nil {
		t.Errorf("nothing to nothing: %q, %v, %v", stored, wrote, err)
	}
}

func TestSaveOnEmptyStateRequiresNoItem(t *testing.T) {
	var in *dynamodb.PutItemInput
	api := &fakeAPI{t: t, put: func(i *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
		in = i
		return &dynamodb.PutItemOutput{}, nil
	}}
	if err := New(api, testTable).Save(context.Background(), testApp, []byte(`{}`), 0); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(in.ConditionExpression); got != "attribute_not_exists(#pk)" || in.ExpressionAttributeNames["#pk"] != PartitionKey {
		t.Errorf("condition %q %v, want attribute_not_exists on the partition key", got, in.ExpressionAttributeNames)
	}
	if v := in.Item[attrVersion].(*types.AttributeValueMemberN).Value; v != "1" {
		t.Errorf("first version %s, want 1", v)
	}
}

// A document whose item would pass 400 KB is refused before any request.
func TestRefusesADocumentOverTheItemLimit(t *testing.T) {
	ctx := context.Background()
	api := &fakeAPI{t: t, put: func(*dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) { return &dynamodb.PutItemOutput{}, nil }}
	s := New(api, testTable)
	big := bytes.Repeat([]byte("x"), MaxItemBytes)
	for name, err := range map[string]error{
		"Save":      s.Save(ctx, testApp, big, 0),
		"PutRecord": s.PutRecord(ctx, testApp, "incident", "a", big, testNow),
	} {
		if err == nil {
			t.Errorf("%s of %d bytes: no error", name, len(big))
			continue
		}
		for _, part := range []string{fmt.Sprintf("document of %d bytes", len(big)), fmt.Sprintf("limit of %d bytes", MaxItemBytes), name, testTable} {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("%s: error %q does not say %q", name, err, part)
			}
		}
	}
	if api.puts != 0 {
		t.Errorf("%d requests sent for documents over the limit", api.puts)
	}

	// One that fits with its item's other attributes is sent.
	item := key{"app#" + testApp, "state"}.attributes()
	item[attrVersion], item[attrUpdated] = number(1), &types.AttributeValueMemberS{Value: testNow.Format(time.RFC3339)}
	fits := big[:MaxItemBytes-itemBytes(item)-len(attrDoc)]
	if err := s.Save(ctx, testApp, fits, 0); err != nil {
		t.Errorf("a document that fits exactly: %v", err)
	}
	if err := s.Save(ctx, testApp, append(fits, 'x'), 0); err == nil {
		t.Errorf("a document one byte over: no error")
	}
}

func TestBadKeysAndArgumentsAreRefusedBeforeAnyRequest(t *testing.T) {
	ctx := context.Background()
	api := &fakeAPI{t: t}
	s := New(api, testTable)
	expires := testNow.Add(time.Hour)
	long := strings.Repeat("a", 2000)
	_, _, loadErr := s.Load(ctx, "")
	_, _, updateErr := s.Update(ctx, "", increment)
	_, listErr := s.ListRecords(ctx, testApp, "in#cident", testNow)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"Load without an app", loadErr, "empty app name"},
		{"Update without an app", updateErr, "empty app name"},
		{"Save of nothing", s.Save(ctx, testApp, nil, 0), "empty document"},
		{"Save with a negative version", s.Save(ctx, testApp, []byte(`{}`), -1), "version -1"},
		{"Save with a long app name", s.Save(ctx, strings.Repeat("a", 2100), []byte(`{}`), 0), "partition key is 2104 bytes, over DynamoDB's limit of 2048"},
		{"PutRecord without a kind", s.PutRecord(ctx, testApp, "", "a", nil, expires), "empty record kind"},
		{"PutRecord with # in the kind", s.PutRecord(ctx, testApp, "a#b", "c", nil, expires), `record kind "a#b" contains "#"`},
		{"PutRecord without an id", s.PutRecord(ctx, testApp, "window", "", nil, expires), "empty record id"},
		{"PutRecord with a long id", s.PutRecord(ctx, testApp, "window", long, nil, expires), "sort key is 2007 bytes, over DynamoDB's limit of 1024"},
		{"PutRecord without an expiry", s.PutRecord(ctx, testApp, "window", "a", nil, time.Time{}), "no expiry"},
		{"PutRecord with a key that is not UTF-8", s.PutRecord(ctx, testApp, "window", "\xff", nil, expires), "not valid UTF-8"},
		{"DeleteRecord without an id", s.DeleteRecord(ctx, testApp, "window", ""), "empty record id"},
		{"ListRecords with # in the kind", listErr, `contains "#"`},
	} {
		var e *Error
		if !errors.As(c.err, &e) || !strings.Contains(c.err.Error(), c.want) || e.Table != testTable {
			t.Errorf("%s: %v, want a ledger error on %s saying %q", c.name, c.err, testTable, c.want)
		}
	}
	if api.gets+api.puts+api.others != 0 {
		t.Errorf("requests sent for bad arguments")
	}
}

func TestLoadReportsAnItemItCannotRead(t *testing.T) {
	ctx := context.Background()
	for name, c := range map[string]struct {
		item map[string]types.AttributeValue
		want string
	}{
		"no version":   {map[string]types.AttributeValue{attrDoc: &types.AttributeValueMemberS{Value: "{}"}}, `no "version" attribute`},
		"version zero": {map[string]types.AttributeValue{attrDoc: &types.AttributeValueMemberS{Value: "{}"}, attrVersion: number(0)}, "stored version 0"},
		"bad version":  {map[string]types.AttributeValue{attrDoc: &types.AttributeValueMemberS{Value: "{}"}, attrVersion: &types.AttributeValueMemberN{Value: "1.5"}}, `"1.5": not an integer`},
		"version text": {map[string]types.AttributeValue{attrDoc: &types.AttributeValueMemberS{Value: "{}"}, attrVersion: &types.AttributeValueMemberS{Value: "1"}}, `"version" is a string, want a number`},
		"doc a number": {map[string]types.AttributeValue{attrDoc: number(1), attrVersion: number(1)}, `want a string or binary`},
		"no doc":       {map[string]types.AttributeValue{attrVersion: number(1)}, `no "doc" attribute`},
	} {
		api := &fakeAPI{t: t, get: func(*dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
			return &dynamodb.GetItemOutput{Item: c.item}, nil
		}}
		_, _, err := New(api, testTable).Load(ctx, testApp)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"app#taskboard"`) {
			t.Errorf("%s: %v, want an error naming the key and saying %q", name, err, c.want)
		}
	}
}

// An SDK failure comes back with the operation, table and key, and stays
// reachable with errors.Is / errors.As.
func TestErrorsNameTheOperationTableAndKey(t *testing.T) {
	down := errors.New("connection refused")
	api := &fakeAPI{t: t, get: func(in *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		if !aws.ToBool(in.ConsistentRead) {
			t.Error("Load reads without ConsistentRead: a read after a write could miss it")
		}
		return nil, down
	}}
	_, _, err := New(api, testTable).Load(context.Background(), testApp)
	want := `ledger Load: table lookout-taskboard-ledger, key PK="app#taskboard" SK="state": GetItem: connection refused`
	if err == nil || err.Error() != want || !errors.Is(err, down) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	var e *Error
	if !errors.As(err, &e) || e.Op != "Load" || e.Key != `PK="app#taskboard" SK="state"` {
		t.Errorf("errors.As: %+v", e)
	}
}

func TestJitteredBackoffStaysWithinItsBounds(t *testing.T) {
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := min(minBackoff<<min(attempt-1, 15), maxBackoff)
		for range 50 {
			if d := jitteredBackoff(attempt); d < ceiling/2 || d > ceiling {
				t.Fatalf("attempt %d: waited %s, want between %s and %s", attempt, d, ceiling/2, ceiling)
			}
		}
	}
}

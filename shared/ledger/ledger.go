// Package ledger stores the incident ledger in one DynamoDB table in the home
// region: per app, one versioned document (the app's state, written only by
// conditional writes, so concurrent or repeated SNS deliveries cannot both
// win) and records that expire by TTL (resolved incidents, ad-hoc
// maintenance windows).
//
// The store is generic: it moves bytes and versions and knows nothing of
// incidents, alarms or windows; what the document means belongs to the
// incident logic that reads and writes it through Update.
//
// Table layout (template.yaml, LedgerTable):
//
//	PK (S)        SK (S)       attributes
//	app#<app>     state        doc, version (N), updated (S, RFC 3339)
//	app#<app>     <kind>#<id>  doc, expires (N, epoch seconds: the TTL), updated
//
// doc is a string when the bytes are valid UTF-8 (JSON documents stay
// readable in the console), a binary otherwise; both read back as the same
// bytes.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The table's key schema and TTL attribute, as template.yaml declares them.
const (
	PartitionKey = "PK"
	SortKey      = "SK"
	TTLAttribute = "expires"
)

// MaxItemBytes is DynamoDB's item size limit (400 KB): attribute names and
// values together. A document is refused before sending when its item would
// be larger.
const MaxItemBytes = 400 * 1024

// DynamoDB's limits on key sizes (UTF-8 bytes).
const (
	maxPartitionKeyBytes = 2048
	maxSortKeyBytes      = 1024
)

const (
	attrDoc     = "doc"
	attrVersion = "version"
	attrUpdated = "updated"
	attrExpires = TTLAttribute

	stateSK   = "state"
	appPrefix = "app#"
	kindSep   = "#"
)

// Defaults of the bounds a Store keeps.
const (
	// DefaultAttempts bounds Update's read-modify-write rounds: two notifier
	// invocations racing lose at most a few rounds each, and more than this
	// means something keeps writing.
	DefaultAttempts = 8
	// DefaultMaxRecords bounds what ListRecords returns for one kind.
	DefaultMaxRecords = 1000
	// defaultPageSize is the Query Limit (items evaluated per page).
	defaultPageSize = 100
	// defaultMaxPages bounds the Query pages one ListRecords reads, expired
	// records included (TTL deletes them up to days late).
	defaultMaxPages = 50

	minBackoff = 10 * time.Millisecond
	maxBackoff = 250 * time.Millisecond
)

// ErrConflict is a conditional write that lost the race: someone else wrote
// the app's state since it was read.
var ErrConflict = errors.New("conditional write lost: the state changed since it was read")

// API is the DynamoDB calls the store makes (*dynamodb.Client satisfies it).
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Store reads and writes one ledger table. It is safe for concurrent use.
type Store struct {
	api   API
	table string
	now   func() time.Time

	attempts   int
	maxRecords int
	pageSize   int32
	maxPages   int
	backoff    func(attempt int) time.Duration
}

// Option changes a Store's defaults.
type Option func(*Store)

// WithClock sets the clock that stamps `updated` (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithAttempts sets how many read-modify-write rounds Update tries before it
// gives up (default DefaultAttempts; at least 1).
func WithAttempts(n int) Option { return func(s *Store) { s.attempts = max(n, 1) } }

// WithMaxRecords sets how many records of one kind ListRecords returns at
// most before it fails (default DefaultMaxRecords; at least 1).
func WithMaxRecords(n int) Option { return func(s *Store) { s.maxRecords = max(n, 1) } }

// New returns a store of the table named table (LOOKOUT_LEDGER_TABLE).
func New(api API, table string, opts ...Option) *Store {
	s := &Store{
		api:        api,
		table:      table,
		now:        time.Now,
		attempts:   DefaultAttempts,
		maxRecords: DefaultMaxRecords,
		pageSize:   defaultPageSize,
		maxPages:   defaultMaxPages,
		backoff:    jitteredBackoff,
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Error is a failed store operation: which one, on which table and key.
type Error struct {
	Op    string // Load, Save, Update, PutRecord, ListRecords, DeleteRecord
	Table string
	Key   string // PK and SK (for ListRecords, the prefix of the SKs)
	Err   error  // the cause; for a lost race it wraps ErrConflict and the SDK's error
}

// Error says which operation failed, on which table and key, and why.
func (e *Error) Error() string {
	return fmt.Sprintf("ledger %s: table %s, key %s: %v", e.Op, e.Table, e.Key, e.Err)
}

// Unwrap gives the cause to errors.Is and errors.As (ErrConflict, the SDK's errors).
func (e *Error) Unwrap() error { return e.Err }

func (s *Store) fail(op string, k key, err error) error {
	return &Error{Op: op, Table: s.table, Key: k.String(), Err: err}
}

// key is one item's primary key.
type key struct{ pk, sk string }

func (k key) String() string { return fmt.Sprintf("PK=%q SK=%q", k.pk, k.sk) }

func (k key) attributes() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: k.pk},
		SortKey:      &types.AttributeValueMemberS{Value: k.sk},
	}
}

func (k key) check() error {
	if len(k.pk) > maxPartitionKeyBytes {
		return fmt.Errorf("partition key is %d bytes, over DynamoDB's limit of %d", len(k.pk), maxPartitionKeyBytes)
	}
	if len(k.sk) > maxSortKeyBytes {
		return fmt.Errorf("sort key is %d bytes, over DynamoDB's limit of %d", len(k.sk), maxSortKeyBytes)
	}
	if !utf8.ValidString(k.pk) || !utf8.ValidString(k.sk) {
		return errors.New("key is not valid UTF-8")
	}
	return nil
}

func stateKey(app string) (key, error) {
	k := key{appPrefix + app, stateSK}
	if app == "" {
		return k, errors.New("empty app name")
	}
	return k, k.check()
}

// recordPrefix is the key of an app's records of one kind, with SK the
// prefix every one of them begins with.
func recordPrefix(app, kind string) (key, error) {
	k := key{appPrefix + app, kind + kindSep}
	if app == "" {
		return k, errors.New("empty app name")
	}
	if err := checkKind(kind); err != nil {
		return k, err
	}
	return k, k.check()
}

func recordKey(app, kind, id string) (key, error) {
	k, err := recordPrefix(app, kind)
	k.sk += id
	switch {
	case err != nil:
		return k, err
	case id == "":
		return k, errors.New("empty record id")
	}
	return k, k.check()
}

// checkKind keeps kinds apart: a kind holding the separator ("a#b") would
// list as records of kind "a".
func checkKind(kind string) error {
	switch {
	case kind == "":
		return errors.New("empty record kind")
	case strings.Contains(kind, kindSep):
		return fmt.Errorf("record kind %q contains %q", kind, kindSep)
	}
	return nil
}

// docValue stores doc as a string when it is UTF-8 (as JSON is), else as a binary.
func docValue(doc []byte) types.AttributeValue {
	if utf8.Valid(doc) {
		return &types.AttributeValueMemberS{Value: string(doc)}
	}
	return &types.AttributeValueMemberB{Value: doc}
}

func docOf(item map[string]types.AttributeValue) ([]byte, error) {
	switch v := item[attrDoc].(type) {
	case *types.AttributeValueMemberS:
		return []byte(v.Value), nil
	case *types.AttributeValueMemberB:
		return v.Value, nil
	case nil:
		return nil, fmt.Errorf("item has no %q attribute", attrDoc)
	default:
		return nil, fmt.Errorf("attribute %q is a %s, want a string or binary", attrDoc, typeName(v))
	}
}

// typeName names an attribute's DynamoDB type for an error.
func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "string"
	case *types.AttributeValueMemberN:
		return "number"
	case *types.AttributeValueMemberB:
		return "binary"
	case *types.AttributeValueMemberBOOL:
		return "boolean"
	case *types.AttributeValueMemberNULL:
		return "null"
	case *types.AttributeValueMemberM:
		return "map"
	case *types.AttributeValueMemberL:
		return "list"
	default:
		return "set"
	}
}

func number(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func numberOf(item map[string]types.AttributeValue, name string) (int64, error) {
	var v *types.AttributeValueMemberN
	switch a := item[name].(type) {
	case *types.AttributeValueMemberN:
		v = a
	case nil:
		return 0, fmt.Errorf("item has no %q attribute", name)
	default:
		return 0, fmt.Errorf("attribute %q is a %s, want a number", name, typeName(a))
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("attribute %q = %q: not an integer", name, v.Value)
	}
	return n, nil
}

// itemBytes is an item's size as DynamoDB counts it, rounded up: attribute
// names plus values (numbers counted by their digits, more than DynamoDB's
// one byte per two digits).
func itemBytes(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += len(v.Value)
		}
	}
	return n
}

func checkSize(item map[string]types.AttributeValue, doc []byte) error {
	if n := itemBytes(item); n > MaxItemBytes {
		return fmt.Errorf("document of %d bytes makes an item of %d bytes, over DynamoDB's limit of %d bytes (400 KB)", len(doc), n, MaxItemBytes)
	}
	return nil
}

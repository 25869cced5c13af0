package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Record is one record of an app: a document of some kind (e.g. a resolved
// incident, an ad-hoc maintenance window) that DynamoDB deletes after
// Expires.
type Record struct {
	ID      string
	Doc     []byte
	Expires time.Time // whole seconds, UTC
}

// PutRecord writes a record of the app, replacing the one with the same kind
// and id if there is one (so writing it again is harmless). DynamoDB's TTL
// deletes it some time after expires, which is stored in whole seconds.
func (s *Store) PutRecord(ctx context.Context, app, kind, id string, doc []byte, expires time.Time) error {
	k, err := recordKey(app, kind, id)
	if err != nil {
		return s.fail("PutRecord", k, err)
	}
	if expires.IsZero() {
		return s.fail("PutRecord", k, fmt.Errorf("no expiry: every record leaves the table by its %q time", attrExpires))
	}
	item := k.attributes()
	item[attrDoc] = docValue(doc)
	item[attrExpires] = number(expires.Unix())
	item[attrUpdated] = &types.AttributeValueMemberS{Value: s.now().UTC().Format(time.RFC3339)}
	if err := checkSize(item, doc); err != nil {
		return s.fail("PutRecord", k, err)
	}
	if _, err := s.api.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item}); err != nil {
		return s.fail("PutRecord", k, fmt.Errorf("PutItem: %w", err))
	}
	return nil
}

// ListRecords returns the app's records of one kind that have not expired at
// now, in order of id (byte-wise). DynamoDB's TTL deletes expired items only
// lazily, up to days later, so they are skipped here, not trusted to be gone.
// It reads the records page by page (strongly consistent) and fails rather
// than return part of them when there are more than the store's maximum
// (DefaultMaxRecords).
func (s *Store) ListRecords(ctx context.Context, app, kind string, now time.Time) ([]Record, error) {
	k, err := recordPrefix(app, kind)
	if err != nil {
		return nil, s.fail("ListRecords", k, err)
	}
	prefix := k.sk
	nowSec := now.Unix()
	pages := dynamodb.NewQueryPaginator(s.api, &dynamodb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		// Expired items still count against the page, but are not sent back.
		FilterExpression: aws.String("#expires > :now"),
		ExpressionAttributeNames: map[string]string{
			"#pk": PartitionKey, "#sk": SortKey, "#expires": attrExpires,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: k.pk},
			":prefix": &types.AttributeValueMemberS{Value: prefix},
			":now":    number(nowSec),
		},
		ConsistentRead: aws.Bool(true),
		Limit:          aws.Int32(s.pageSize),
	})
	var out []Record
	for page := 0; pages.HasMorePages(); page++ {
		if page == s.maxPages {
			return nil, s.fail("ListRecords", k, fmt.Errorf("more than %d pages of %d items (expired ones included): the table needs its TTL", s.maxPages, s.pageSize))
		}
		p, err := pages.NextPage(ctx)
		if err != nil {
			return nil, s.fail("ListRecords", k, fmt.Errorf("page %d: Query: %w", page+1, err))
		}
		for _, item := range p.Items {
			sk, _ := item[SortKey].(*types.AttributeValueMemberS)
			if sk == nil || !strings.HasPrefix(sk.Value, prefix) {
				return nil, s.fail("ListRecords", k, fmt.Errorf("an item outside the prefix came back: SK %v", item[SortKey]))
			}
			rk := key{k.pk, sk.Value}
			expires, err := numberOf(item, attrExpires)
			if err != nil {
				return nil, s.fail("ListRecords", rk, err)
			}
			if expires <= nowSec {
				continue
			}
			doc, err := docOf(item)
			if err != nil {
				return nil, s.fail("ListRecords", rk, err)
			}
			if len(out) == s.maxRecords {
				return nil, s.fail("ListRecords", k, fmt.Errorf("more than %d records of kind %q", s.maxRecords, kind))
			}
			out = append(out, Record{ID: strings.TrimPrefix(sk.Value, prefix), Doc: doc, Expires: time.Unix(expires, 0).UTC()})
		}
	}
	return out, nil
}

// DeleteRecord removes one record of the app; a record that is not there is
// no error.
func (s *Store) DeleteRecord(ctx context.Context, app, kind, id string) error {
	k, err := recordKey(app, kind, id)
	if err != nil {
		return s.fail("DeleteRecord", k, err)
	}
	if _, err := s.api.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: k.attributes()}); err != nil {
		return s.fail("DeleteRecord", k, fmt.Errorf("DeleteItem: %w", err))
	}
	return nil
}

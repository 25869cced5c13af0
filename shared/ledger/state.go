package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Load returns the app's document and its version; (nil, 0, nil) when there
// is none yet. The read is strongly consistent, so it sees every write that
// succeeded before it.
func (s *Store) Load(ctx context.Context, app string) (doc []byte, version int64, err error) {
	k, err := stateKey(app)
	if err != nil {
		return nil, 0, s.fail("Load", k, err)
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                &s.table,
		Key:                      k.attributes(),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     aws.String("#doc, #version"),
		ExpressionAttributeNames: map[string]string{"#doc": attrDoc, "#version": attrVersion},
	})
	if err != nil {
		return nil, 0, s.fail("Load", k, fmt.Errorf("GetItem: %w", err))
	}
	if len(out.Item) == 0 {
		return nil, 0, nil
	}
	if doc, err = docOf(out.Item); err != nil {
		return nil, 0, s.fail("Load", k, err)
	}
	if version, err = numberOf(out.Item, attrVersion); err != nil {
		return nil, 0, s.fail("Load", k, err)
	}
	if version < 1 {
		return nil, 0, s.fail("Load", k, fmt.Errorf("stored version %d: Save writes 1 and up", version))
	}
	return doc, version, nil
}

// Save writes doc as version+1 if the stored version is still version (0:
// if there is no state yet). When someone else wrote first it returns an
// error that wraps ErrConflict and the SDK's ConditionalCheckFailedException;
// nothing is written then. An empty doc is refused (Load could not tell it
// from no state), and so is one whose item would pass MaxItemBytes.
func (s *Store) Save(ctx context.Context, app string, doc []byte, version int64) error {
	k, err := stateKey(app)
	if err != nil {
		return s.fail("Save", k, err)
	}
	switch {
	case version < 0:
		return s.fail("Save", k, fmt.Errorf("version %d: want 0 (no state yet) or the version Load returned", version))
	case len(doc) == 0:
		return s.fail("Save", k, errors.New("empty document"))
	}
	item := k.attributes()
	item[attrDoc] = docValue(doc)
	item[attrVersion] = number(version + 1)
	item[attrUpdated] = &types.AttributeValueMemberS{Value: s.now().UTC().Format(time.RFC3339)}
	if err := checkSize(item, doc); err != nil {
		return s.fail("Save", k, err)
	}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item}
	if version == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(#pk)")
		in.ExpressionAttributeNames = map[string]string{"#pk": PartitionKey}
	} else {
		in.ConditionExpression = aws.String("#version = :version")
		in.ExpressionAttributeNames = map[string]string{"#version": attrVersion}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":version": number(version)}
	}
	_, err = s.api.PutItem(ctx, in)
	var lost *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &lost):
		return s.fail("Save", k, fmt.Errorf("%w (expected version %d): %w", ErrConflict, version, err))
	case err != nil:
		return s.fail("Save", k, fmt.Errorf("PutItem: %w", err))
	}
	return nil
}

// Update runs a read-modify-write of the app's document: Load, fn, Save.
// fn gets the stored document (nil when there is none) and returns the new
// one; returning the same bytes means there is nothing to write. When the
// write loses the race, Update reads again and calls fn again on the newer
// document, up to the store's attempts (DefaultAttempts), waiting a short
// jittered time between rounds, never past ctx. fn may thus run more than
// once and must only compute: its effects belong after Update returns.
//
// It returns the document that is stored and whether this call wrote it; an
// error from fn is returned as it is, wrapped with the key.
func (s *Store) Update(ctx context.Context, app string, fn func(doc []byte) ([]byte, error)) (stored []byte, wrote bool, err error) {
	k, err := stateKey(app)
	if err != nil {
		return nil, false, s.fail("Update", k, err)
	}
	var lost error
	for attempt := 1; attempt <= s.attempts; attempt++ {
		if attempt > 1 {
			if err := s.wait(ctx, attempt-1); err != nil {
				return nil, false, s.fail("Update", k, fmt.Errorf("after %d conflicting writes: %w (last: %w)", attempt-1, err, lost))
			}
		}
		doc, version, err := s.Load(ctx, app)
		if err != nil {
			return nil, false, err
		}
		before := bytes.Clone(doc) // fn may change doc in place
		next, err := fn(doc)
		if err != nil {
			return nil, false, s.fail("Update", k, err)
		}
		if bytes.Equal(next, before) {
			return before, false, nil
		}
		err = s.Save(ctx, app, next, version)
		if err == nil {
			return next, true, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, false, err
		}
		lost = err
	}
	return nil, false, s.fail("Update", k, fmt.Errorf("gave up after %d conflicting writes: %w", s.attempts, lost))
}

// wait sleeps before another round, or returns ctx's error if ctx ends first.
func (s *Store) wait(ctx context.Context, attempt int) error {
	t := time.NewTimer(s.backoff(attempt))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// jitteredBackoff doubles from minBackoff up to maxBackoff, and waits a
// random time between half of that and all of it, so two writers that lost
// to each other do not collide again in step.
func jitteredBackoff(attempt int) time.Duration {
	d := maxBackoff
	if attempt < 16 {
		d = min(minBackoff<<(attempt-1), maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

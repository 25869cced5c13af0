package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// The fakes and the rig of the tests of `lookout maintenance` and `lookout
// test-page`: the in-memory ledger, a home stack's outputs, and a Lambda
// that runs the real notify.Handler, all behind the commands' narrow
// interfaces, on a fixed clock.

const (
	exampleChecks = "../../checks.yaml" // app taskboard, home us-east-1 (New York)
	exampleStack  = "lookout-new-york"
	exampleTable  = "lookout-new-york-LedgerTable-1A2B3C4D5E6F"
	exampleNotify = "lookout-new-york-NotifyFunction-7G8H9I0J"
)

// rigNow is the rig's clock: Wednesday 2 December 2026, 14:05:09 UTC.
var rigNow = time.Date(2026, 12, 2, 14, 5, 9, 0, time.UTC)

// fakeStacks answers DescribeStacks with one stack's outputs, or err.
type fakeStacks struct {
	outputs map[string]string
	err     error
	asked   []string
}

func (f *fakeStacks) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.asked = append(f.asked, aws.ToString(in.StackName))
	if f.err != nil {
		return nil, f.err
	}
	st := cftypes.Stack{StackName: in.StackName, StackStatus: cftypes.StackStatusUpdateComplete}
	for k, v := range f.outputs {
		st.Outputs = append(st.Outputs, cftypes.Output{OutputKey: aws.String(k), OutputValue: aws.String(v)})
	}
	return &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{st}}, nil
}

// recordingChannel is a notifier channel that keeps what it is told and
// fails with err, if any.
type recordingChannel struct {
	name string
	err  error

	mu      sync.Mutex
	notices []*notify.Notice
}

func (c *recordingChannel) Name() string { return c.name }

func (c *recordingChannel) Notify(_ context.Context, n *notify.Notice) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.notices = append(c.notices, n)
	return c.err
}

func (c *recordingChannel) told() []*notify.Notice {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*notify.Notice(nil), c.notices...)
}

// lambdaOf is the deployed NotifyFunction as Lambda runs it: the payload
// goes to the real handler; its error comes back as Lambda returns one, a
// FunctionError with aws-lambda-go's {"errorMessage","errorType"} payload.
// reply, when set, replaces the whole answer (a timeout, another function).
type lambdaOf struct {
	h     *notify.Handler
	reply *lambda.InvokeOutput
	err   error

	inputs []*lambda.InvokeInput
}

func (l *lambdaOf) Invoke(ctx context.Context, in *lambda.InvokeInput, _ ...func(*lambda.Options)) (*lambda.InvokeOutput, error) {
	l.inputs = append(l.inputs, in)
	if l.err != nil || l.reply != nil {
		return l.reply, l.err
	}
	out, err := l.h.Invoke(ctx, in.Payload)
	if err != nil {
		typ := reflect.TypeOf(err)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		payload, _ := json.Marshal(messages.InvokeResponse_Error{Message: err.Error(), Type: typ.Name()})
		return &lambda.InvokeOutput{StatusCode: 200, FunctionError: aws.String("Unhandled"), Payload: payload}, nil
	}
	return &lambda.InvokeOutput{StatusCode: 200, Payload: out}, nil
}

// rig runs the CLI against the fakes.
type rig struct {
	t      *testing.T
	now    time.Time
	ledger *ledger.Memory
	stacks *fakeStacks
	lambda *lambdaOf
	// store, when set, replaces the ledger (a failing one).
	store recordStore

	loads   []string // regions the AWS configuration was loaded for
	clients []string // "<region> <what>" of every client made
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return &rig{
		t: t, now: rigNow, ledger: ledger.NewMemory(),
		stacks: &fakeStacks{outputs: map[string]string{outputLedgerTable: exampleTable, outputNotifyFunction: exampleNotify}},
		lambda: &lambdaOf{},
	}
}

func (r *rig) app() app {
	return app{
		awsConfig: func(_ context.Context, region string) (aws.Config, error) {
			r.loads = append(r.loads, region)
			// This machine's own default region, which the commands must not use.
			return aws.Config{Region: "eu-west-2", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}, nil
		},
		now: func() time.Time { return r.now },
		clients: homeClients{
			records: func(cfg aws.Config, table string) recordStore {
				r.clients = append(r.clients, cfg.Region+" ledger "+table)
				if r.store != nil {
					return r.store
				}
				return r.ledger
			},
			invoker: func(cfg aws.Config) invoker {
				r.clients = append(r.clients, cfg.Region+" lambda")
				return r.lambda
			},
			stacks: func(cfg aws.Config) stackDescriber {
				r.clients = append(r.clients, cfg.Region+" cloudformation")
				return r.stacks
			},
		},
	}
}

func (r *rig) run(args ...string) (code int, stdout, stderr string) {
	r.t.Helper()
	return runApp(r.t, r.app(), args...)
}

// records are the app's window records in the ledger, as the notifier
// lists them.
func (r *rig) records() []ledger.Record {
	r.t.Helper()
	recs, err := r.ledger.ListRecords(context.Background(), "taskboard", notify.RecordWindow, r.now)
	if err != nil {
		r.t.Fatal(err)
	}
	return recs
}

// notifier makes the rig's Lambda run a real notify.Handler for the
// example checks file, on the rig's clock and ledger, with these channels.
func (r *rig) notifier(channels ...notify.Channel) *notify.Handler {
	r.t.Helper()
	cfg, err := check.Load(exampleChecks)
	if err != nil {
		r.t.Fatal(err)
	}
	h, err := notify.NewHandler(notify.Options{
		Config: cfg, Channels: channels, Ledger: r.ledger,
		Now:    func() time.Time { return r.now },
		Retry:  notify.RetryPolicy{Attempts: 1},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.lambda.h = h
	return h
}

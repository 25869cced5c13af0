package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

// metricPutter is the one CloudWatch call a Publisher makes. The real client
// (awsclient.CloudWatch) satisfies it; unit tests pass a fake.
type metricPutter interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// DefaultPublishBudget bounds one Publish, retries included.
const DefaultPublishBudget = 10 * time.Second

// defaultConcurrency is how many PutMetricData calls a Publish makes at once.
const defaultConcurrency = 4

// PublisherOptions configure a Publisher.
type PublisherOptions struct {
	// Namespace is the CloudWatch namespace (Namespace(cfg.App)).
	Namespace string
	// Budget bounds a whole Publish, the SDK's retries included; what is not
	// published by then goes to Fallback. 0: DefaultPublishBudget.
	Budget time.Duration
	// Fallback receives the EMF lines of batches that could not be published.
	// Nil: os.Stdout, which Lambda sends to the function's log group.
	Fallback io.Writer
	// Logger logs publishing failures. Nil: slog.Default().
	Logger *slog.Logger
	// Concurrency is how many batches are sent at once. 0: 4.
	Concurrency int
}

// Publisher sends datums to CloudWatch in batches and, when a batch cannot be
// sent within the time budget, writes that batch as Embedded Metric Format
// instead, so the data still reaches CloudWatch (in the local region) and the
// failure is logged: nothing is dropped silently.
type Publisher struct {
	client      metricPutter
	namespace   string
	budget      time.Duration
	fallback    io.Writer
	log         *slog.Logger
	concurrency int
}

// NewPublisher returns a Publisher that calls client (a *cloudwatch.Client
// for the home region, see awsclient.CloudWatch).
func NewPublisher(client metricPutter, o PublisherOptions) *Publisher {
	p := &Publisher{client: client, namespace: o.Namespace, budget: o.Budget, fallback: o.Fallback,
		log: o.Logger, concurrency: o.Concurrency}
	if p.budget <= 0 {
		p.budget = DefaultPublishBudget
	}
	if p.fallback == nil {
		p.fallback = os.Stdout
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	if p.concurrency <= 0 {
		p.concurrency = defaultConcurrency
	}
	return p
}

// Budget is the longest a Publish spends calling CloudWatch.
func (p *Publisher) Budget() time.Duration { return p.budget }

// Report says what became of the datums of one Publish.
type Report struct {
	Datums        int `json:"datums"`
	Batches       int `json:"batches"`
	Published     int `json:"published"`      // datums CloudWatch accepted
	FailedBatches int `json:"failed_batches"` // batches that went to the fallback
	Fallback      int `json:"emf"`            // datums written as EMF
}

// Publish sends datums in batches (see Batches), several at once, within the
// budget and ctx's deadline; the client's retryer retries each call. Every
// batch that still fails is logged and written to the fallback as EMF. The
// error is nil unless some datums reached neither CloudWatch nor the fallback.
func (p *Publisher) Publish(ctx context.Context, datums []types.MetricDatum) (Report, error) {
	batches := Batches(datums)
	rep := Report{Datums: len(datums), Batches: len(batches)}
	if len(batches) == 0 {
		return rep, nil
	}
	callCtx, cancel := context.WithTimeout(ctx, p.budget)
	defer cancel()

	errs := make([]error, len(batches))
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	for i, batch := range batches {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, errs[i] = p.client.PutMetricData(callCtx, &cloudwatch.PutMetricDataInput{
				Namespace:  aws.String(p.namespace),
				MetricData: batch,
			})
		})
	}
	wg.Wait()

	// Fallbacks are written one after another, in batch order, after the calls:
	// EMF lines never interleave and the output is deterministic.
	var lost []error
	for i, err := range errs {
		if err == nil {
			rep.Published += len(batches[i])
			continue
		}
		rep.FailedBatches++
		n, werr := WriteEMF(p.fallback, p.namespace, batches[i])
		rep.Fallback += n
		attrs := []slog.Attr{
			slog.Int("batch", i+1), slog.Int("batches", len(batches)), slog.Int("datums", len(batches[i])),
			slog.String("class", ErrorClass(err)), slog.String("error", err.Error()),
			slog.String("fallback", "emf"), slog.Int("emf_datums", n),
		}
		if werr != nil {
			attrs = append(attrs, slog.String("emf_error", werr.Error()))
			lost = append(lost, fmt.Errorf("batch %d of %d: %d of %d datums lost: %w", i+1, len(batches), len(batches[i])-n, len(batches[i]), werr))
		}
		p.log.LogAttrs(ctx, slog.LevelError, "publish failed", attrs...)
	}
	if len(lost) > 0 {
		return rep, fmt.Errorf("publishing metrics: %w", errors.Join(lost...))
	}
	return rep, nil
}

// ErrorClass names the kind of a publishing error for logs: the AWS error code
// (e.g. InvalidParameterValue, Throttling), or timeout, canceled, connection, other.
func ErrorClass(err error) string {
	var apiErr smithy.APIError
	var netErr net.Error
	switch {
	case errors.As(err, &apiErr):
		return apiErr.ErrorCode()
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.As(err, &netErr):
		return "connection"
	}
	return "other"
}

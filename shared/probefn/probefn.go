// Package probefn is the ProbeFunction's logic: load the checks file once at
// init, then, for each scheduled event, run one round of probes from this
// location, log one line per result and publish the round's datums to the
// home region (with the EMF fallback of shared/metrics).
//
// It reads no environment variable itself: functions/probe/main.go turns the
// environment into an Env (EnvFrom) and passes every dependency in Options,
// so tests build a Handler exactly as production does, with their own values.
package probefn

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/lookout-monitoring/lookout/shared/alarm"
	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/logline"
	"github.com/lookout-monitoring/lookout/shared/metrics"
	"github.com/lookout-monitoring/lookout/shared/probe"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

// Environment variables of the ProbeFunction, set by template.yaml.
const (
	// EnvChecksFile is the checks file's path. Default: checks.yaml beside
	// the executable, else $LAMBDA_TASK_ROOT/checks.yaml.
	EnvChecksFile = check.EnvChecksFile
	// EnvLocation is the region this stack probes from (a key of the checks
	// file's locations, e.g. eu-west-2). Default: AWS_REGION.
	EnvLocation = "LOOKOUT_LOCATION"
	// EnvHomeRegion is where metrics are published. Default: the checks file's home_region.
	EnvHomeRegion = awsclient.EnvHomeRegion
	// EnvMetricsEndpoint overrides the CloudWatch endpoint (local runs against
	// an emulator only). Default: none, the home region's public endpoint.
	EnvMetricsEndpoint = awsclient.EnvMetricsEndpoint
)

// DefaultChecksFile is the checks file's name beside the bootstrap.
const DefaultChecksFile = check.BundledName

// Env is the function's configuration from its environment.
type Env struct {
	ChecksFile      string
	Location        string // region code, e.g. eu-west-2
	HomeRegion      string // "" = the checks file's home_region
	MetricsEndpoint string // "" = the real CloudWatch endpoint
	LogLevel        slog.Level
}

// EnvFrom reads Env through getenv (os.Getenv in production). executable is
// the running binary's path (os.Executable), beside which the build puts the
// checks file.
func EnvFrom(getenv func(string) string, executable string) Env {
	e := Env{
		ChecksFile:      check.ChecksFile(getenv, executable),
		Location:        getenv(EnvLocation),
		HomeRegion:      getenv(EnvHomeRegion),
		MetricsEndpoint: getenv(EnvMetricsEndpoint),
		LogLevel:        LogLevel(getenv("AWS_LAMBDA_LOG_LEVEL")),
	}
	if e.Location == "" {
		e.Location = getenv("AWS_REGION")
	}
	return e
}

// MetricPutter is the one CloudWatch call the handler's publisher makes.
type MetricPutter interface {
	PutMetricData(ctx context.Context, in *cloudwatch.PutMetricDataInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricDataOutput, error)
}

// Options are everything a Handler is built from.
type Options struct {
	Env
	// AWS is the configuration of the function's own region: secrets are
	// resolved there; the CloudWatch client is derived from it for the home region.
	AWS aws.Config
	// Putter publishes the datums. Nil: awsclient.CloudWatch(AWS, home region, MetricsEndpoint).
	Putter MetricPutter
	// Resolvers resolve the checks file's references. Nil: secrets.Resolvers(AWS).
	Resolvers check.Resolvers
	// Logger receives the result and round lines, their values bounded
	// (package logline). Nil: slog.Default().
	Logger *slog.Logger
	// EMF receives the Embedded Metric Format fallback. Nil: os.Stdout.
	EMF io.Writer
	// Now is the wall clock: the round time when the event has none, and the
	// prober's clock (certificate validity). Nil: time.Now.
	Now func() time.Time
	// Roots are the CAs trusted by probes. Nil: the system roots, loaded here.
	Roots *x509.CertPool
	// PublishBudget bounds publishing, retries included. 0: metrics.DefaultPublishBudget.
	PublishBudget time.Duration
}

// Handler runs one round per scheduled event. Build it once, at init, with New.
type Handler struct {
	cfg    *check.Config
	region string // this location's region
	label  string // this location's label, the Location dimension
	home   string
	areas  []*check.Area
	prober *probe.Prober
	pub    *metrics.Publisher
	log    *slog.Logger
	now    func() time.Time
}

// New loads, validates and resolves the checks file, loads the CA roots and
// builds the publisher: everything a round needs, once. A checks file that
// does not load fails with check.Load's own error (file:line: field: problem),
// the same text `lookout validate` prints.
func New(ctx context.Context, o Options) (*Handler, error) {
	cfg, err := check.Load(o.ChecksFile)
	if err != nil {
		return nil, err
	}
	if o.Location == "" {
		return nil, fmt.Errorf("probe function: no location: set %s (or AWS_REGION) to one of the regions in %s", EnvLocation, cfg.File)
	}
	label, ok := cfg.Locations[o.Location]
	if !ok {
		return nil, fmt.Errorf("probe function: location %s is not one of the locations in %s (%s)",
			o.Location, cfg.File, strings.Join(alarm.LocationRegions(cfg), ", "))
	}
	home := o.HomeRegion
	if home == "" {
		home = cfg.HomeRegion
	}
	rs := o.Resolvers
	if rs == nil {
		rs = secrets.Resolvers(o.AWS)
	}
	if err := cfg.ResolveSecrets(ctx, rs); err != nil {
		return nil, err
	}
	prober, err := probe.New(probe.Options{Roots: o.Roots, Now: o.Now})
	if err != nil {
		return nil, err
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	log = slog.New(logline.Bound(log.Handler())) // a no-op for NewLogger's
	putter := o.Putter
	if putter == nil {
		putter = awsclient.CloudWatch(o.AWS, home, o.MetricsEndpoint)
	}
	h := &Handler{
		cfg: cfg, region: o.Location, label: label, home: home,
		areas:  make([]*check.Area, len(cfg.Areas)),
		prober: prober,
		pub: metrics.NewPublisher(putter, metrics.PublisherOptions{
			Namespace: alarm.Namespace(cfg.App), Budget: o.PublishBudget, Fallback: o.EMF, Logger: log,
		}),
		log: log,
		now: o.Now,
	}
	for i := range cfg.Areas {
		h.areas[i] = &cfg.Areas[i]
	}
	if h.now == nil {
		h.now = time.Now
	}
	log.LogAttrs(ctx, slog.LevelInfo, "init",
		slog.String("app", cfg.App), slog.String("location", label), slog.String("region", o.Location),
		slog.String("home_region", home), slog.Int("areas", len(cfg.Areas)), slog.String("checks_file", cfg.File),
		slog.Bool("phase_metrics", cfg.Metrics.Phases))
	return h, nil
}

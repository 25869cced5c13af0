package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/lookout-monitoring/lookout/shared/awsclient"
	"github.com/lookout-monitoring/lookout/shared/check"
	"github.com/lookout-monitoring/lookout/shared/incident"
	"github.com/lookout-monitoring/lookout/shared/ledger"
	"github.com/lookout-monitoring/lookout/shared/secrets"
)

// Environment variables of the NotifyFunction, set by template.yaml.
const (
	// EnvChecksFile is the checks file's path. Default: checks.yaml beside
	// the executable, else $LAMBDA_TASK_ROOT/checks.yaml.
	EnvChecksFile = check.EnvChecksFile
	// EnvTopicARN is the notify topic (required).
	EnvTopicARN = "LOOKOUT_NOTIFY_TOPIC_ARN"
	// EnvHomeRegion holds metrics, alarms and the dashboard. Default: the checks file's home_region.
	EnvHomeRegion = awsclient.EnvHomeRegion
	// EnvDashboard is the CloudWatch dashboard's name, for links. Default: no dashboard link.
	EnvDashboard = "LOOKOUT_DASHBOARD_NAME"
	// EnvPagerKey says where the PagerDuty routing key is: an SSM parameter
	// name, or secret:NAME for Secrets Manager. Empty: no pager channel.
	EnvPagerKey = "LOOKOUT_PAGER_ROUTING_KEY_PARAM"
	// EnvPagerURL is the Events API v2 endpoint. Default: DefaultPagerURL.
	EnvPagerURL = "LOOKOUT_PAGER_URL"
	// EnvProbeLogGroups are the probe's log groups (comma-separated), for
	// Logs Insights links. Empty: no such links.
	EnvProbeLogGroups = "LOOKOUT_PROBE_LOG_GROUPS"
	// EnvMetricsEndpoint overrides the CloudWatch endpoint (local runs
	// against an emulator only).
	EnvMetricsEndpoint = awsclient.EnvMetricsEndpoint
	// EnvLedgerTable is the incident ledger's table. Empty: every alarm is
	// told on its own, as when no ledger exists.
	EnvLedgerTable = awsclient.EnvLedgerTable
	// EnvLedgerEndpoint overrides the DynamoDB endpoint (local runs against
	// an emulator only).
	EnvLedgerEndpoint = "LOOKOUT_LEDGER_ENDPOINT"
	// EnvWatchdogURL says where the watchdog's URL is: an SSM parameter name,
	// or secret:NAME for Secrets Manager. Empty: no watchdog.
	EnvWatchdogURL = "LOOKOUT_WATCHDOG_URL_PARAM"
)

// DefaultChecksFile is the checks file's name beside the bootstrap.
const DefaultChecksFile = check.BundledName

// pagerHTTPTimeout bounds one request to PagerDuty; the delivery budget bounds all.
const pagerHTTPTimeout = 10 * time.Second

// Env is the function's configuration from its environment.
type Env struct {
	ChecksFile      string
	TopicARN        string
	HomeRegion      string
	Dashboard       string
	PagerKey        string
	PagerURL        string
	ProbeLogGroups  []string
	MetricsEndpoint string
	LedgerTable     string
	LedgerEndpoint  string
	WatchdogURL     string
}

// EnvFrom reads Env through getenv (os.Getenv in production); executable is
// the running binary's path, beside which the build puts the checks file.
func EnvFrom(getenv func(string) string, executable string) Env {
	e := Env{
		ChecksFile:      check.ChecksFile(getenv, executable),
		TopicARN:        strings.TrimSpace(getenv(EnvTopicARN)),
		HomeRegion:      getenv(EnvHomeRegion),
		Dashboard:       getenv(EnvDashboard),
		PagerKey:        getenv(EnvPagerKey),
		PagerURL:        getenv(EnvPagerURL),
		MetricsEndpoint: getenv(EnvMetricsEndpoint),
		LedgerTable:     strings.TrimSpace(getenv(EnvLedgerTable)),
		LedgerEndpoint:  getenv(EnvLedgerEndpoint),
		WatchdogURL:     getenv(EnvWatchdogURL),
	}
	for _, g := range strings.Split(getenv(EnvProbeLogGroups), ",") {
		if g = strings.TrimSpace(g); g != "" {
			e.ProbeLogGroups = append(e.ProbeLogGroups, g)
		}
	}
	return e
}

// Setup builds the Handler from the environment: the checks file, an SNS
// client for the notify topic's region, CloudWatch and DynamoDB clients for
// the home region (enrichment, the reconcile tick, the incident ledger), the
// pager channel when a routing key is configured and the watchdog when its
// URL is. It makes no AWS call: the routing key and the watchdog URL are
// read on first use.
func Setup(env Env, awsCfg aws.Config, log *slog.Logger) (*Handler, error) {
	if env.TopicARN == "" {
		return nil, fmt.Errorf("%s is not set", EnvTopicARN)
	}
	cfg, err := check.Load(env.ChecksFile)
	if err != nil {
		return nil, err
	}
	home := env.HomeRegion
	if home == "" {
		home = cfg.HomeRegion
	}
	snsClient := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if r := regionFromARN(env.TopicARN); r != "" {
			o.Region = r
		}
	})
	topic := NewTopic(snsClient, env.TopicARN)
	channels := []Channel{NewEmail(topic), NewSMS(topic)}
	resolvers := secrets.Resolvers(awsCfg)
	if ref, ok := ParseKeyRef(env.PagerKey); ok {
		resolver, found := resolvers[ref.Kind]
		if !found {
			return nil, errors.New("no resolver for the routing key")
		}
		channels = append(channels, NewPagerDuty(env.PagerURL, &http.Client{Timeout: pagerHTTPTimeout}, resolver, ref))
	}
	var watchdog *Watchdog
	if ref, ok := ParseKeyRef(env.WatchdogURL); ok {
		resolver, found := resolvers[ref.Kind]
		if !found {
			return nil, errors.New("no resolver for the watchdog URL")
		}
		watchdog = NewWatchdog(&http.Client{Timeout: pagerHTTPTimeout}, resolver, ref)
	}
	cw := awsclient.CloudWatch(awsCfg, home, env.MetricsEndpoint)
	o := Options{
		Config:   cfg,
		Channels: channels,
		Enricher: &Enricher{Client: cw, Config: cfg},
		Links:    LinkOptions{HomeRegion: home, Dashboard: env.Dashboard, ProbeLogGroups: env.ProbeLogGroups},
		Logger:   log,
		Alarms:   cw,
		Watchdog: watchdog,
		Policy:   incident.PolicyOf(cfg.Alerting.Incidents),
	}
	if env.LedgerTable != "" {
		o.Ledger = ledger.New(awsclient.DynamoDB(awsCfg, home, env.LedgerEndpoint), env.LedgerTable)
	}
	return NewHandler(o)
}

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
	}
	for _, g := range strings.Split(getenv(EnvProbeLogGroups), ",") {
		if g = strings.TrimSpace(g); g != "" {
			e.ProbeLogGroups = append(e.ProbeLogGroups, g)
		}
	}
	return e
}

// Setup builds the Handler from the environment: the checks file, an SNS
// client for the notify topic's region, a CloudWatch client for the home
// region, and the pager channel when a routing key is configured. It makes no
// AWS call: the routing key is read on the first page.
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
	if ref, ok := ParseKeyRef(env.PagerKey); ok {
		resolver, found := secrets.Resolvers(awsCfg)[ref.Kind]
		if !found {
			return nil, errors.New("no resolver for the routing key")
		}
		channels = append(channels, NewPagerDuty(env.PagerURL, &http.Client{Timeout: pagerHTTPTimeout}, resolver, ref))
	}
	return NewHandler(Options{
		Config:   cfg,
		Channels: channels,
		Enricher: &Enricher{Client: awsclient.CloudWatch(awsCfg, home, env.MetricsEndpoint), Config: cfg},
		Links:    LinkOptions{HomeRegion: home, Dashboard: env.Dashboard, ProbeLogGroups: env.ProbeLogGroups},
		Logger:   log,
	})
}

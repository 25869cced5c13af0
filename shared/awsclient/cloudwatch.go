// Package awsclient builds the AWS clients the functions share, pointed at
// the home region (where metrics, alarms and the incident ledger live) and,
// for local runs and tests, at an emulator.
package awsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/awsjson"
)

// Environment variables that point a function's CloudWatch client, set by
// template.yaml (the endpoint only for local runs against an emulator).
const (
	EnvHomeRegion      = "LOOKOUT_HOME_REGION"
	EnvMetricsEndpoint = "LOOKOUT_METRICS_ENDPOINT"
)

// CloudWatch returns a CloudWatch client for the HOME region, where
// every location publishes and the alarms live, whatever region awsCfg (the
// function's own) names. It keeps the SDK's standard retryer; callers bound
// it with a context deadline (Publisher's budget).
//
// endpoint overrides the endpoint (an emulator such as moto_server); so does
// a base endpoint already in awsCfg (AWS_ENDPOINT_URL). With an override the
// client speaks the awsJson1_0 protocol without request compression: since
// v1.66 the SDK defaults to Smithy RPC v2 CBOR, which emulators do not
// understand, and moto mis-reads gzip bodies (see TESTING.md). Against AWS
// the SDK's defaults stay. optFns are applied last.
func CloudWatch(awsCfg aws.Config, homeRegion, endpoint string, optFns ...func(*cloudwatch.Options)) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(awsCfg, func(o *cloudwatch.Options) {
		if homeRegion != "" {
			o.Region = homeRegion
		}
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if o.BaseEndpoint != nil {
			o.Protocol = awsjson.New10(schemas.GraniteServiceVersion20100801)
			o.DisableRequestCompression = true
		}
		for _, fn := range optFns {
			fn(o)
		}
	})
}

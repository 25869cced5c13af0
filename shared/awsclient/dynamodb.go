package awsclient

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// EnvLedgerTable names the incident ledger's DynamoDB table in the home
// region; template.yaml sets it on NotifyFunction (Ref LedgerTable).
const EnvLedgerTable = "LOOKOUT_LEDGER_TABLE"

// DynamoDB returns a DynamoDB client for the HOME region, where the incident
// ledger's table lives, whatever region awsCfg (the function's own) names.
// It keeps the SDK's standard retryer; callers bound it with a context
// deadline.
//
// endpoint overrides the endpoint (an emulator such as moto_server), as a
// base endpoint already in awsCfg (AWS_ENDPOINT_URL) does. Unlike CloudWatch,
// DynamoDB's default protocol (awsJson1_0) is one emulators speak, so nothing
// else changes with an override. optFns are applied last.
func DynamoDB(awsCfg aws.Config, homeRegion, endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if homeRegion != "" {
			o.Region = homeRegion
		}
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		for _, fn := range optFns {
			fn(o)
		}
	})
}

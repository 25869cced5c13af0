// Command notify is the NotifyFunction's bootstrap: it turns the environment
// into notify.Env, builds the handler once at init and hands it to the Lambda
// runtime. The logic lives in shared/notify.
package main

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/lookout-monitoring/lookout/shared/logline"
	"github.com/lookout-monitoring/lookout/shared/notify"
)

// initTimeout bounds loading: Lambda allows 10 s for init.
const initTimeout = 8 * time.Second

func main() {
	// Adds the request id and honours the function's log format and level;
	// every value bounded, so no line exceeds CloudWatch's 256 KB.
	log := slog.New(logline.Bound(lambdacontext.NewLogHandler()))
	exe, _ := os.Executable() // "" on error: the checks file is then looked for in LAMBDA_TASK_ROOT
	env := notify.EnvFrom(os.Getenv, exe)

	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	awsCfg, err := config.LoadDefaultConfig(ctx)
	cancel()
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	h, err := notify.Setup(env, awsCfg, log)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h) // SNS alarm notifications, the minute tick, test pages
}

// Command probe is the ProbeFunction's bootstrap: it wires the environment,
// the AWS configuration and the checks file into a probefn.Handler at init
// and hands it to the Lambda runtime. The logic lives in shared/probefn.
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/lookout-monitoring/lookout/shared/probefn"
)

// initTimeout bounds loading: Lambda allows 10 s for init.
const initTimeout = 8 * time.Second

func main() {
	exe, _ := os.Executable() // "" on error: the checks file is then looked for in LAMBDA_TASK_ROOT
	env := probefn.EnvFrom(os.Getenv, exe)
	log := probefn.NewLogger(os.Stdout, env.LogLevel)

	ctx, cancel := context.WithTimeout(context.Background(), initTimeout)
	awsCfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	h, err := probefn.New(ctx, probefn.Options{Env: env, AWS: awsCfg, Logger: log, EMF: os.Stdout})
	cancel()
	if err != nil {
		log.Error("init failed", "error", err.Error())
		os.Exit(1)
	}
	// A lambda.Handler takes the payload as bytes: any payload runs a round.
	var handler lambda.Handler = h
	lambda.Start(handler)
}

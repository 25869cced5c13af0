// Command lookout validates a checks file and runs probes from this machine.
//
//	lookout validate [-f checks.yaml]
//	lookout run [-f checks.yaml] [--area ID]... [--json]
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

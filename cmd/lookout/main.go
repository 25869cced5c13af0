// Command lookout validates a checks file, probes its areas from this machine,
// prices it and derives its deploy parameters. "lookout --help" lists the
// commands and the exit codes; "lookout COMMAND -h" a command's flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first Ctrl-C ends the command cleanly (exit 130); once it is being
	// handled, the default comes back, so a second one stops the process at once.
	go func() { <-ctx.Done(); stop() }()
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

# Lambda bootstraps: linux/arm64 static binaries for provided.al2023, each with
# the checks file beside it (the function loads it at init). Included by the
# root Makefile, which defines GOFLAGS_LAMBDA.
#
#   make build                      build/probe/bootstrap (+ build/notify/bootstrap), each with checks.yaml
#   make build CHECKS=mine.yaml     another checks file, copied as checks.yaml
#   sam build                       runs build-ProbeFunction / build-NotifyFunction (BuildMethod: makefile)

CHECKS ?= checks.yaml
LAMBDA_GOENV := GOOS=linux GOARCH=arm64 CGO_ENABLED=0
# The notifier is built once its main exists.
LAMBDA_FUNCTIONS := probe $(if $(wildcard functions/notify/main.go),notify)

.PHONY: build build-checks build-ProbeFunction build-NotifyFunction

## build: every function's bootstrap and checks file under build/<function>/
build: build-checks
	@set -e; for fn in $(LAMBDA_FUNCTIONS); do \
		mkdir -p build/$$fn; \
		echo "==> build/$$fn/bootstrap"; \
		$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o build/$$fn/bootstrap ./functions/$$fn; \
		cp $(CHECKS) build/$$fn/checks.yaml; \
	done

# A checks file that does not validate would only fail at the function's init.
build-checks:
	go run ./cmd/lookout validate -f $(CHECKS)

# SAM (BuildMethod: makefile, CodeUri: .) sets ARTIFACTS_DIR.
build-ProbeFunction: build-checks
	$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/probe
	cp $(CHECKS) $(ARTIFACTS_DIR)/checks.yaml

build-NotifyFunction: build-checks
	$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/notify
	cp $(CHECKS) $(ARTIFACTS_DIR)/checks.yaml

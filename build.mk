# Lambda bootstraps: linux/arm64 static binaries for provided.al2023, each with
# the checks file beside it (the function loads it at init) and the files it
# refers to (tls.ca_file), at the same paths relative to it. Included by the
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

# bundle-files,DIR copies every file the checks file refers to, as
# `lookout validate --files` lists them (relative to the checks file), to
# the same place under DIR, beside the checks.yaml copied there.
define bundle-files
files="$$(go run ./cmd/lookout validate --files -f '$(CHECKS)')" || exit 1; \
printf '%s\n' "$$files" | while IFS= read -r f; do \
	[ -n "$$f" ] || continue; \
	echo "==> $(1)/$$f"; \
	mkdir -p "$$(dirname "$(1)/$$f")" && cp "$(dir $(CHECKS))$$f" "$(1)/$$f" || exit 1; \
done
endef

## build: every function's bootstrap and checks file under build/<function>/
build: build-checks
	@set -e; for fn in $(LAMBDA_FUNCTIONS); do \
		mkdir -p build/$$fn; \
		echo "==> build/$$fn/bootstrap"; \
		$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o build/$$fn/bootstrap ./functions/$$fn; \
		cp $(CHECKS) build/$$fn/checks.yaml; \
		$(call bundle-files,build/$$fn); \
	done

# A checks file that does not validate would only fail at the function's init.
build-checks:
	go run ./cmd/lookout validate -f $(CHECKS)

# SAM (BuildMethod: makefile, CodeUri: .) sets ARTIFACTS_DIR.
build-ProbeFunction: build-checks
	$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/probe
	cp $(CHECKS) $(ARTIFACTS_DIR)/checks.yaml
	@$(call bundle-files,$(ARTIFACTS_DIR))

build-NotifyFunction: build-checks
	$(LAMBDA_GOENV) go build $(GOFLAGS_LAMBDA) -o $(ARTIFACTS_DIR)/bootstrap ./functions/notify
	cp $(CHECKS) $(ARTIFACTS_DIR)/checks.yaml
	@$(call bundle-files,$(ARTIFACTS_DIR))

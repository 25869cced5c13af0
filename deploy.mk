# Deploy: one SAM stack per location, the home region first (README: "Deploying to the four regions").
# Included by the root Makefile.
#
#   make deploy ALERT_EMAIL=oncall@example.com ALERT_PHONE=+447700900123
#
# Every parameter comes from the checks file through `lookout deploy-params`;
# ALERT_EMAIL, ALERT_PHONE and PAGER_KEY_PARAM (from the environment or the make
# command line) are optional and, when not given, each stack keeps the value it
# already has. EXTRA_PARAMS adds overrides of the tuning parameters, e.g.
#   make deploy EXTRA_PARAMS='ProbeReservedConcurrency=0 LogRetentionDays=90'

CHECKS ?= checks.yaml
LOOKOUT := $(BIN)/lookout
SAM_INSTALL_URL := https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html

.PHONY: deploy deploy-plan template-lint sam-check $(LOOKOUT)

## deploy: validate, build, deploy the home region then the other locations
deploy: sam-check $(LOOKOUT)
	$(LOOKOUT) validate --deploy -f $(CHECKS)
	@set -euo pipefail; \
	alert=(--alert-email "$${ALERT_EMAIL:-}" --alert-phone "$${ALERT_PHONE:-}" --pager-key-param "$${PAGER_KEY_PARAM:-}" --watchdog-url-param "$${WATCHDOG_URL_PARAM:-}"); \
	params="$$($(LOOKOUT) deploy-params -f $(CHECKS) "$${alert[@]}")"; \
	echo "==> sam build"; \
	sam build --parameter-overrides "$$params"; \
	plan="$$($(LOOKOUT) deploy-params -f $(CHECKS) --format plan)"; \
	while read -r env region; do \
		params="$$($(LOOKOUT) deploy-params -f $(CHECKS) --location "$$region" "$${alert[@]}")"; \
		echo "==> sam deploy --config-env $$env ($$region)"; \
		sam deploy --config-env "$$env" --parameter-overrides "$$params $${EXTRA_PARAMS:-}" </dev/null; \
	done <<< "$$plan"

## deploy-plan: print the stacks `make deploy` deploys, in order, and their parameters
deploy-plan: $(LOOKOUT)
	@set -euo pipefail; \
	$(LOOKOUT) deploy-params -f $(CHECKS) --format plan | while read -r env region; do \
		echo "$$env ($$region): $$($(LOOKOUT) deploy-params -f $(CHECKS) --location "$$region")"; \
	done

sam-check:
	@command -v sam >/dev/null 2>&1 || { \
		echo "sam CLI not found: install AWS SAM CLI ($(SAM_INSTALL_URL))" >&2; exit 1; }

# Built every time (go's cache makes it cheap) so deploy-params matches the tree.
$(LOOKOUT):
	go build -o $(LOOKOUT) ./cmd/lookout

## template-lint: cfn-lint with the SAM translator and language extensions
template-lint:
	@if command -v cfn-lint >/dev/null; then echo "cfn-lint template.yaml area-alarms.yaml"; cfn-lint template.yaml area-alarms.yaml; \
	elif [ "$$CI" = true ]; then echo "cfn-lint is required under CI=true" >&2; exit 1; \
	else echo "cfn-lint not installed (pip install cfn-lint): template lint skipped"; fi

# Lookout: build, test and deploy.
SHELL := /bin/bash
STATICCHECK_VERSION := v0.8.2
BIN := $(CURDIR)/.bin
GOFLAGS_LAMBDA := -tags lambda.norpc -trimpath -ldflags="-s -w"

.DEFAULT_GOAL := test

# Lambda bootstraps (build.mk) and the SAM deploy (deploy.mk).
include build.mk deploy.mk

.PHONY: all test lint fmt-check vet staticcheck unit bench fuzz demo demo-stress validate

all: test

## test: everything CI runs (format, vet, staticcheck, race-enabled tests; the
## tests run cfn-lint on both templates, required under CI=true)
test: fmt-check vet staticcheck unit

## lint: the static checks alone (format, vet, staticcheck, cfn-lint)
lint: fmt-check vet staticcheck template-lint

fmt-check:
	@out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	go vet ./...

$(BIN)/staticcheck:
	GOBIN=$(BIN) go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(BIN)/staticcheck
	$(BIN)/staticcheck ./...

unit:
	go test -race -count=1 ./...

## bench: the benchmarks whose figures go into closing notes
bench:
	go test -run '^$$' -bench . -benchmem ./...

## fuzz: a short fuzzing session of each parser of outside input (FUZZTIME each)
FUZZTIME ?= 30s
fuzz:
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./shared/check/
	go test -run '^$$' -fuzz '^FuzzParseAlarm$$' -fuzztime $(FUZZTIME) ./shared/notify/
	go test -run '^$$' -fuzz '^FuzzParseJSON$$' -fuzztime $(FUZZTIME) ./shared/probe/
	go test -run '^$$' -fuzz '^FuzzAValueNeverChangesAURL$$' -fuzztime $(FUZZTIME) ./shared/check/

validate:
	go run ./cmd/lookout validate -f checks.yaml

## demo: the whole chain on this machine, a sample app on 127.0.0.1 (under a minute)
demo:
	go run ./cmd/lookout demo

## demo-stress: the demo tests, STRESS_COUNT times, while two busy loops load the
## CPU; the loops stop when the tests end, and after STRESS_SECONDS at the most
## (TESTFLAGS=-v lists every run)
STRESS_COUNT ?= 5
STRESS_SECONDS ?= 600
TESTFLAGS ?=
demo-stress:
	@pids=""; \
	for i in 1 2; do timeout $(STRESS_SECONDS) sh -c 'while :; do :; done' & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null; wait' EXIT; \
	echo "busy loops:$$pids"; \
	go test -race -count=$(STRESS_COUNT) $(TESTFLAGS) ./shared/demo/ && \
	go test -race -count=$(STRESS_COUNT) $(TESTFLAGS) -run '^TestDemo' ./cmd/lookout/

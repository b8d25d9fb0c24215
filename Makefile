# Apiary — the canonical commands; CI (.ci/run) uses them too.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
DATA    ?= ./apiary_data
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: generate check-generated build run test bench bench-targets web

## generate: regenerate ent (entc + entgql, writing schema/ent.graphql) and then gqlgen, in that order;
## graph/hoist_inputs.go then builds the generated input-unmarshaler map once, not per request
generate:
	cd ent && $(GO) run -mod=mod entc.go
	$(GO) tool gqlgen generate
	$(GO) run graph/hoist_inputs.go

## check-generated: regenerate and fail when anything generated differs from what is committed
check-generated: generate
	@if [ -n "$$(git status --porcelain -- ent schema graph gqlgen.yml)" ]; then \
		git status --porcelain -- ent schema graph gqlgen.yml; git diff --stat -- ent schema graph; \
		echo "generated code is out of date: run 'make generate' and commit the result"; exit 1; fi
	@echo "generated code is up to date"

## build: the apiary binary in ./bin
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/apiary ./cmd/apiary

## run: start the server on $(ADDR) with the embedded SQLite in $(DATA)
run: build
	./bin/apiary serve --http $(ADDR) --data $(DATA)

## test: every test; PostgreSQL/MariaDB suites run when APIARY_TEST_POSTGRES_DSN / APIARY_TEST_MYSQL_DSN are set
test:
	$(GO) test -count=1 ./...

## bench: the pipeline benchmarks against a plain chi + SQLite baseline (see README)
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3s -count 5 ./cmd/apiary/ | tee bench.txt

## bench-targets: each performance target's two endpoints in quartets of alternating segments (BenchmarkPaired; see README)
bench-targets:
	$(GO) test -run '^$$' -bench Paired -benchtime 20000x -count 7 ./cmd/apiary/ | tee bench-targets.txt

## web: rebuild the embedded GraphiQL playground (web/dist) from web/playground
web:
	cd web/playground && npm ci && npm run build

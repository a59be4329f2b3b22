# Docker Watcher. `make run` builds everything and starts it; `make test`
# runs every test. Both install what they need (npm packages, chromium).

GO      ?= go
BIN     := bin/docker-watcher
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/dockerwatcher/docker-watcher/internal/app.Version=$(VERSION)

.PHONY: run build ui test vet test-go test-web test-e2e bench bench-memory browser clean

run: build
	@echo "Starting Docker Watcher: open http://$${DW_LISTEN:-127.0.0.1:8080} and log in as admin"
	@echo "(password: DW_ADMIN_PASSWORD, or the one printed below at the first start)"
	./$(BIN) serve

build: ui
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/docker-watcher

# npm ci only when the lock file changed since the last install.
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

ui: web/node_modules/.installed
	cd web && npm run build

test: vet bench bench-memory test-go test-web test-e2e

# go vet, gofmt (failing when it lists a file) and go mod tidy (failing
# when go.mod or go.sum would change).
vet: ui
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(find . \( -name node_modules -o -name testdata \) -prune -o -name '*.go' -print)); \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: run gofmt -w on these files:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy -diff

# Under a Docker Engine and a registry (scripts/with-docker.sh starts them
# when none answers, installing Debian's docker.io and docker-registry).
test-go: ui
	scripts/with-docker.sh $(GO) test -race -count=1 ./...

test-web: web/node_modules/.installed
	cd web && npm run check && npm test

# Under a Docker Engine and a registry too: the HTTPS spec deploys an
# instance; every docker-watcher the specs start inherits DOCKER_HOST.
test-e2e: build browser
	cd web && DW_BINARY=$(CURDIR)/$(BIN) ../scripts/with-docker.sh npm run test:e2e

# Provider API budgets (calls per listing and per batch), against the SDK's
# defaults; the benchmarks fail when a budget is missed. Then the built-in
# proxy against Debian's nginx in one run: it fails under 0.7x nginx's
# requests per second (the goal is 0.9x; see docs/proxy.md).
bench: build
	scripts/with-docker.sh $(GO) test -run '^$$' -bench . -benchtime 2x ./internal/...
	bench/proxy.sh $(BIN)

# Idle memory after the UI was loaded must stay under 40 MB.
bench-memory: build
	bench/idle-memory.sh $(BIN)

browser:
	scripts/ensure-chromium.sh

clean:
	rm -rf bin web/.svelte-kit web/node_modules
	find web/build -mindepth 1 ! -name .gitkeep -delete

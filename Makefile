# Periscope: the two commands a newcomer needs are `make demo` and `make test`.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
CARGO ?= cargo
TEST_CLUSTERS := alpha beta
DEMO_LISTEN ?= 127.0.0.1:8080
TEST_PGDIR := /tmp/periscope-test-postgres
export PERISCOPE_TEST_PGDIR := $(TEST_PGDIR)
# The web console's node_modules live outside the clone, one directory per package-lock.json.
WEB_CACHE := $(or $(PERISCOPE_CACHE),$(HOME)/.cache/periscope)/web-node-modules
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html web/package.json \
  web/package-lock.json web/vite.config.ts web/tsconfig.json

.PHONY: test lint unit integration testenv testdeps web web-deps bench demo demo-down clean-clusters release image image-check

## test: format and lint checks, unit tests, the container image check, then the integration tests against two real clusters.
test: lint unit image-check integration

# The web app is built first: cargo embeds web/dist into the binary.
lint: web
	$(CARGO) fmt --all -- --check
	npm --prefix web run --silent lint
	npm --prefix web run --silent typecheck
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	@out="$$(gofmt -l testenv/ekswebhook)"; [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }

unit: web-deps
	npm --prefix web test --silent
	$(CARGO) test --workspace --lib --bins --locked
	cd testenv/ekswebhook && GOTOOLCHAIN=local go vet ./... && GOTOOLCHAIN=local go test ./...

## web: the web console (web/ -> web/dist, embedded by cargo); node_modules cached by lock file.
web: web-deps web/dist/index.html

web-deps:
	@if [ -d web/node_modules ] && [ ! -L web/node_modules ]; then exit 0; fi; \
	dir="$(WEB_CACHE)/$$(sha256sum web/package-lock.json | cut -c1-16)"; \
	if [ ! -f "$$dir/.complete" ]; then \
	  rm -rf "$$dir"; mkdir -p "$$dir"; cp web/package.json web/package-lock.json "$$dir/"; \
	  npm ci --prefix "$$dir" --no-audit --no-fund --loglevel=error; touch "$$dir/.complete"; \
	fi; \
	ln -sfn "$$dir/node_modules" web/node_modules

web/dist/index.html: $(WEB_SOURCES)
	npm --prefix web run --silent build

## release: static Linux binaries (musl) of periscope and periscope-agent in target/dist/, stamped with version and commit.
release: web
	deploy/image/release.sh

## image: OCI images of the release binaries (umoci, no daemon) in target/image/, plus docker-archive tarballs.
image: release
	deploy/image/build.sh

## image-check: the images' config (non-root, entrypoint, ports, labels) and the extracted server running.
image-check: image
	deploy/image/check.sh

## testenv: build (or find cached) kube-apiserver, controller-manager, scheduler, etcd, kwok, kubectl, helm.
testenv:
	testenv/build.sh >/dev/null

## testdeps: the test identity provider and browser driver (npm, from package-lock.json).
testdeps:
	npm ci --prefix testenv/oidc --no-audit --no-fund --loglevel=error
	npm ci --prefix testenv/browser --no-audit --no-fund --loglevel=error

# Brings the test clusters up once, runs every integration test binary, and always tears down.
integration: testenv testdeps web
	$(CARGO) build --workspace --tests --locked
	export PATH="$$(testenv/build.sh):$$PATH"; \
	trap 'for c in $(TEST_CLUSTERS); do testenv/cluster.sh down $$c || true; done; \
	      testenv/postgres.sh destroy $(TEST_PGDIR) >/dev/null 2>&1 || true' EXIT; \
	for c in $(TEST_CLUSTERS); do testenv/cluster.sh up $$c >/dev/null; done; \
	$(CARGO) test --workspace --test '*' --locked --no-fail-fast -- --test-threads=4

## bench: measurements against real components, written to bench/results/ (never asserted in tests).
bench: testdeps web
	$(CARGO) build --release --locked -p periscope -p periscope-agent -p periscope-bench
	trap 'testenv/postgres.sh destroy $(TEST_PGDIR) >/dev/null 2>&1 || true' EXIT; \
	PERISCOPE_BIN="$${CARGO_TARGET_DIR:-target}/release/periscope" "$${CARGO_TARGET_DIR:-target}/release/periscope-bench"

## demo: a local control plane with seeded workloads and `periscope serve` in dev mode against it.
demo: testenv web
	$(CARGO) build --release --locked -p periscope
	dir="$$(testenv/cluster.sh up demo | tail -n1)"; \
	trap 'echo; echo "stopping the demo cluster"; testenv/cluster.sh down demo' EXIT; \
	testenv/demo-config.sh "$$dir"; \
	echo; echo "Periscope is at http://$(DEMO_LISTEN)/ (API: http://$(DEMO_LISTEN)/api/clusters)"; \
	echo "Press Ctrl-C to stop the server and the demo cluster."; echo; \
	PERISCOPE_CLUSTERS_FILE="$$dir/demo-clusters.yaml" PERISCOPE_AUTH_FILE="$$dir/demo-auth.yaml" \
	  $${CARGO_TARGET_DIR:-target}/release/periscope serve --listen $(DEMO_LISTEN) || true

## demo-down: stop a demo cluster left behind.
demo-down:
	testenv/cluster.sh down demo

clean-clusters:
	testenv/cluster.sh down-all

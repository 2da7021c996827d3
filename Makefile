# Two commands do everything on a fresh Debian/Ubuntu: `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := run
APP := target/debug/tokendesk

.PHONY: run test setup-run setup-test build ui app lint fmt-check clippy typecheck \
        test-core test-postgres test-team test-keyring test-verifiers test-fuzz test-ui test-e2e check-bindings check-layers bench bench-http bench-postgres openapi \
        bundle test-package

## make run: install what is missing, build, and open the app.
run: setup-run build
	$(APP)

## make test: install what is missing and run every check and test.
test: setup-test lint test-core test-postgres check-bindings check-layers test-ui build test-team test-keyring test-verifiers test-fuzz clippy test-package test-e2e
	@echo "make test: all checks and tests passed"

## make bundle: release packages, .deb and .rpm, in target/release/bundle/ (the UI, then the
## Tauri CLI, pinned in ui/package.json, builds the release binary and packages it).
TAURI_CLI := ui/node_modules/.bin/tauri
bundle: setup-run ui
	$(TAURI_CLI) build --bundles deb,rpm
	@ls -l target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm

# The debug build packaged the same way, installed with apt-get, run from /usr/bin, removed.
test-package: build
	$(TAURI_CLI) bundle --debug --bundles deb,rpm
	bash .ci/package-check.sh target/debug/bundle/deb/Tokendesk_*_amd64.deb

setup-run:
	bash .ci/setup.sh run

setup-test:
	bash .ci/setup.sh test

build: ui app

ui:
	npm --prefix ui run build

app:
	cargo build --bin tokendesk

lint: fmt-check typecheck
	npm --prefix ui run lint

fmt-check:
	cargo fmt --all -- --check

typecheck:
	npm --prefix ui run typecheck

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

# Also (re)writes the TypeScript bindings in ui/src/api/bindings (ts-rs).
test-core:
	cargo test -p tokendesk-core -p tokendesk-http -p tokendesk-client

# The same core and HTTP suites on PostgreSQL: a throwaway cluster on 127.0.0.1, a fresh
# database per test.
test-postgres:
	.ci/with-postgres.sh cargo test -p tokendesk-core -p tokendesk-http -p tokendesk-postgres -p tokendesk-client

# Team mode with the built binary: a cluster of its own, as the test stops and restarts it.
test-team:
	.ci/with-postgres.sh cargo test --test team

# The committed TypeScript types must be exactly what the Rust types generate.
check-bindings: test-core
	@if [ -n "$$(git status --porcelain -- ui/src/api/bindings)" ]; then \
	  git status --porcelain -- ui/src/api/bindings; git --no-pager diff -- ui/src/api/bindings; \
	  echo "ui/src/api/bindings is out of date: run 'cargo test -p tokendesk-core' and commit" >&2; exit 1; fi

# Rewrites docs/openapi.json from the code (a test fails while the committed copy differs).
openapi:
	TOKENDESK_WRITE_OPENAPI=1 cargo test -p tokendesk-http --test http_api the_committed_openapi_document_is_the_generated_one

# The core crate must build without Tauri and without the HTTP framework (faces depend on it,
# never the reverse).
check-layers:
	@if cargo tree -p tokendesk-core -e normal,build --prefix none | grep -E '^(tauri|axum|hyper|tower|tokio|reqwest|postgres|tokio-postgres) ' ; then \
	  echo "tokendesk-core depends on a face's framework or on an engine crate" >&2; exit 1; fi
	@if cargo tree -p tokendesk-postgres -e normal,build --prefix none | grep -E '^(tauri|axum|hyper|reqwest) ' ; then \
	  echo "the PostgreSQL engine depends on a face's framework" >&2; exit 1; fi
	@if cargo tree -p tokendesk-client -e normal,build --prefix none | grep -E '^(tauri|axum|postgres|tokio-postgres|tokendesk-http|tokendesk-postgres) ' ; then \
	  echo "the client crate depends on a face, a server framework or an engine" >&2; exit 1; fi
	@if [ "$$(grep -c '^name = "libsqlite3-sys"$$' Cargo.lock)" != 1 ]; then \
	  echo "more than one copy of SQLite is linked" >&2; exit 1; fi
	@echo "tokendesk-core has no tauri, HTTP framework, async runtime or engine crate dependency; the client crate no server or engine; one SQLite"

test-keyring: build
	bash .ci/with-keyring.sh cargo test -p tokendesk-core --test keyring_real --test keyring_unavailable -- --include-ignored
	bash .ci/with-keyring.sh cargo test -p tokendesk --lib --test cli --test token_limits --test processes --test desktop_connect -- --include-ignored

# Third-party verifiers: PyJWT and jose check signed tokens through the server's JWKS; the
# Standard Webhooks libraries (PyPI and npm standardwebhooks) check delivered webhooks.
test-verifiers: setup-test
	TOKENDESK_PYTHON=$(CURDIR)/.venv-verifiers/bin/python TOKENDESK_VERIFIERS=$(CURDIR)/tests/verifiers \
	  cargo test -p tokendesk-http --test http_verifiers -- --include-ignored

# schemathesis, all checks, against a live server with several kinds of token (~3 minutes).
test-fuzz: build
	bash .ci/with-keyring.sh bash tests/fuzz/run.sh

test-ui:
	npm --prefix ui test

test-e2e: build
	bash tests/e2e/run.sh

bench:
	cargo bench -p tokendesk-core --bench core

# wrk against the verification service with 100,000 tokens (see docs/benchmarks.md).
bench-http:
	bash tests/bench/verify.sh

# Team mode on a throwaway cluster: revoke propagation between two servers, then the HTTP
# benchmark with the authority in PostgreSQL: one server, then two at once.
bench-postgres:
	cargo build --release -q -p tokendesk-postgres --example propagation
	.ci/with-postgres.sh bash -c 'target/release/examples/propagation "$$TOKENDESK_TEST_POSTGRES" 300 && \
	  TOKENDESK_BENCH_DATABASE="$$TOKENDESK_TEST_POSTGRES" bash tests/bench/verify.sh 64 8 100000'
	SERVERS=2 .ci/with-postgres.sh bash -c \
	  'TOKENDESK_BENCH_DATABASE="$$TOKENDESK_TEST_POSTGRES" bash tests/bench/verify.sh 64 8 100000'

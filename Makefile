# dagnats: `make run` to start, `make test` to check everything. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: setup build typecheck run test bench clean

NODE_STAMP := node_modules/.package-lock.json

setup: $(NODE_STAMP)
	@command -v nats-server >/dev/null 2>&1 || { \
	  echo "installing nats-server (Debian package)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nats-server >/dev/null; }

$(NODE_STAMP): package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error

build: setup
	@npx tsc -p tsconfig.build.json

typecheck: setup
	@npx tsc --noEmit -p tsconfig.json

run: build
	@./bin/dagnats serve

test: build typecheck
	@npx vitest run

bench: build
	@node bench/run.mjs

clean:
	rm -rf dist

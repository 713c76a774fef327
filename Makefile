# Trialog – the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help run serve test test-fast test-postgres lint format translations extract-messages clean bench bench-quick

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

translations: $(STAMP) ## compile the message catalogs
	$(BIN)/pybabel compile -d translations --statistics

extract-messages: $(STAMP) ## refresh messages.pot and update the catalogs
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

PORT ?= 5000
run: $(STAMP) translations ## set up, migrate, seed the demo when empty, serve on http://127.0.0.1:$(PORT) (PORT=5000; with the scheduler)
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	export PUBLIC_URL="$${PUBLIC_URL:-http://127.0.0.1:$(PORT)}"; \
	$(FLASK) scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null; wait $$scheduler' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(STAMP) translations ## the whole suite (browser tests too where /usr/bin/chromium exists)
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

test-fast: $(STAMP) translations ## the suite without the browser
	$(BIN)/python -m pytest -n 2 -q -m "not e2e"

TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
test-postgres: $(STAMP) translations ## the suite without the browser against PostgreSQL (TEST_DATABASE_URL, default the local postgres/test)
	TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/python -m pytest -n 2 -q -m "not e2e"

BENCH_SCALE ?= 1
BENCH_DURATION ?= 10
BENCH_ROUNDS ?= 1
bench: $(STAMP) translations ## city-scale benchmark (PostgreSQL trialog_bench, gunicorn, wrk) at BENCH_SCALE; writes bench/results.md
	$(BIN)/python bench/run.py --scale $(BENCH_SCALE) --duration $(BENCH_DURATION) --rounds $(BENCH_ROUNDS)

bench-quick: $(STAMP) translations ## the benchmark at scale 0.01, 3 s per scenario (under 3 minutes); writes bench/results-quick.md
	$(BIN)/python bench/run.py --quick

lint: $(STAMP) ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## ruff format and fix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean: ## remove the virtualenv and the development database
	rm -rf $(VENV) instance

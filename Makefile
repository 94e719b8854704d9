# Two commands do all set-up on a fresh Debian machine with Python 3.11+:
#   make demo   — create .venv, install, run the engine demo on embedded defaults, then start
#                 the platform on SQLite with the Korean demo loaded (URL and logins printed)
#   make test   — same bootstrap, then lint, type-check, layering contracts and tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The platform of `make demo`: a SQLite file (created and migrated on first use) and a port.
DEMO_DATABASE ?= $(CURDIR)/var/gachi.sqlite3
DEMO_PORT ?= 8000

.PHONY: demo test lint typecheck contracts unit bench schema clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "gachi needs Python 3.11 or newer"'
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: on Debian run 'apt-get install python3-venv'"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: export COLUMNS ?= 140
demo: $(STAMP)
	$(BIN)/gachi measure --catalog examples/demo/indicators --data examples/demo/records.csv \
		--draws 10000 --seed 1
	$(BIN)/gachi explain voice_phishing_prevented --catalog examples/demo/indicators \
		--data examples/demo/records.csv --where organisation=SK텔레콤 --where period=2024
	$(BIN)/gachi sroi examples/sroi/care_jobs.yaml --draws 10000 --seed 1
	$(BIN)/gachi report --catalog examples/demo/indicators --data examples/demo/records.csv \
		--draws 10000 --seed 1 --output out/demo-report.html --output out/demo-report.xlsx \
		--output out/demo-report.pdf
	$(BIN)/gachi report --catalog library/indicators --data library/sample/records.csv \
		--draws 10000 --seed 1 --output out/library-report.html
	@echo "보고서 / report: file://$(CURDIR)/out/demo-report.html (and .xlsx, .pdf)"
	@echo "카탈로그 32개 지표 보고서 / all 32 catalogue indicators: file://$(CURDIR)/out/library-report.html"
	GACHI_DATABASE_URL=sqlite:///$(DEMO_DATABASE) $(BIN)/gachi demo --port $(DEMO_PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# The quick suite: property tests under the "quick" profile (tests/conftest.py); the slow cases
# and the browser suite are left to .ci/run, which also repeats the property tests thoroughly.
unit: $(STAMP)
	$(BIN)/pytest -n 2 -p no:cacheprovider -m "not slow and not browser"

test: lint typecheck contracts unit

schema: $(STAMP)
	$(BIN)/gachi catalog schema --output library/indicator.schema.json

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_measure.py --repeat 5

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis

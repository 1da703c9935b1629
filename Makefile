# Every target creates .venv on first use, so a fresh clone needs only Python 3.11, pip and make.
# The venv's interpreter: PYTHON when given, else the fastest python3.11 on the machine
# (tools/pick_python.py: builds of one version differ by 10-20% here), else python3.11 on PATH,
# else python3 (checked to be >= 3.11 below)
PYTHON ?=
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export DAGSTER_HOME := $(CURDIR)
export DAGSTER_DISABLE_TELEMETRY := 1
# dg warns when the project venv is not the activated one; make targets use .venv explicitly.
export VIRTUAL_ENV := $(CURDIR)/$(VENV)

.PHONY: run test dev bench screenshot clean bytecode compiled

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { \
	  py="$(PYTHON)"; \
	  [ -n "$$py" ] || py=$$($$(command -v python3 || command -v python3.11) tools/pick_python.py 2>/dev/null) \
	    || py=$$(command -v python3.11 || command -v python3); \
	  $$py -c "import sys; sys.exit(sys.version_info < (3, 11))" 2>/dev/null \
	    || { echo "need Python >= 3.11 (found: $$py); try make PYTHON=/path/to/python3.11"; exit 1; }; \
	  echo "$$py -m venv $(VENV)"; $$py -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Our modules' bytecode, written once here rather than compiled again by every process of every
# run where PYTHONDONTWRITEBYTECODE is set (as on the bench machine): 0.1 s of each run's start,
# more with worker processes. Up-to-date files are only stat'ed; a stale one is compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q parsers pipelines bench tools

# The page parsers' hot modules compiled to C (mypyc) for the intake workers, into .venv (about
# 45 s once; a few ms when up to date). Optional: without a C compiler the workers run the Python
# source, 13% slower. They use a build only while it matches the sources (pipelines/staging/compiled.py).
compiled: $(STAMP)
	@$(BIN)/python tools/build_compiled.py

run: $(STAMP) bytecode compiled  ## ingest raw/ into warehouse/ and print a summary
	$(BIN)/trialbridge ingest --raw raw --warehouse warehouse

test: $(STAMP) bytecode compiled  ## the whole test suite (parallel over the machine's cores)
	$(BIN)/python -m pytest -n auto -q

dev: $(STAMP) bytecode compiled  ## the Dagster UI on http://127.0.0.1:3000
	$(BIN)/dg dev

bench: $(STAMP) bytecode compiled  ## throughput, peak memory and ratio to the I/O floor
	$(BIN)/python -m bench.run

screenshot: $(STAMP)  ## docs/asset-graph.png: the asset graph of the running UI, via headless chromium
	$(BIN)/python -m tools.ui_screenshot docs/asset-graph.png

clean:
	rm -rf $(VENV) .dagster warehouse/current warehouse/snapshots

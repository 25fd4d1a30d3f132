#!/usr/bin/env bash
# The whole test suite: installs what the tests need (dev extras; Chromium from apt when run
# as root), checks style with ruff, then runs pytest (unit, PostgreSQL, browser tests).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
# Chromium for the browser tests, and CJK fonts so that screenshots show Chinese text
if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
      fonts-noto-cjk >/dev/null
  else
    echo "chromium is not installed and this is not root: the browser tests will be skipped" >&2
    echo "(install it with: sudo apt-get install -y chromium chromium-driver)" >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
# One worker process per core (PYTEST_XDIST_AUTO_NUM_WORKERS overrides; `-n 0` runs the tests in
# this process): each test file goes whole to a worker, and tests sharing a server that a run
# starts once go to the same one (tests/conftest.py)
exec .venv/bin/python -m pytest -n auto --dist loadgroup "$@"

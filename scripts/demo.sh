#!/usr/bin/env bash
# The demo: build the environment, generate demo data, import it and open the web app at
# http://127.0.0.1:8080 (embedded DuckDB + SQLite, no server needed).
# Settings: REVLENS_WORKSPACE (default ./.demo/workspace), REVLENS_DEMO_SCALE (tiny, small,
# medium, large; default small), REVLENS_PORT (default 8080), PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "creating .venv"
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export REVLENS_WORKSPACE="${REVLENS_WORKSPACE:-$PWD/.demo/workspace}"
exec .venv/bin/revlens demo --scale "${REVLENS_DEMO_SCALE:-small}"

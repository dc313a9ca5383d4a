#!/usr/bin/env bash
# Start Parley on SQLite in instance/ with the flagship campaign open.
# Creates or updates the virtual environment first. Extra arguments go to
# `parley run` (for example: ./run.sh --port 8080).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/parley run "$@"

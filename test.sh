#!/usr/bin/env bash
# Run the whole test suite (lint, unit, integration on SQLite and PostgreSQL,
# browser). Creates or updates the virtual environment first. Extra
# arguments go to pytest (for example: ./test.sh -k journey).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh dev
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Create or update the project's virtual environment in .venv.
# Re-installs only when pyproject.toml changed since the last install,
# so repeated runs of ./run.sh and ./test.sh start in a second.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "parley: creating virtual environment in .venv" >&2
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.parley-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "parley: installing dependencies into .venv (first run takes a few minutes)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[dev]"
    echo "$want" > "$stamp"
fi
# Interface translations: compile the .po catalogues Flask-Babel reads.
if [ -d app/translations ]; then
    out=$(.venv/bin/pybabel compile -f -d app/translations 2>&1) || { echo "$out" >&2; exit 1; }
fi

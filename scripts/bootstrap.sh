#!/usr/bin/env bash
# Create or update the project's virtual environment in .venv.
#   scripts/bootstrap.sh        what serving needs (./run.sh)
#   scripts/bootstrap.sh dev    plus the development extras (./test.sh)
# Re-installs only when pyproject.toml changed since the last install or the
# extras asked for are not there yet, so repeated runs start in a second.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "parley: creating virtual environment in .venv" >&2
    "$PYTHON" -m venv .venv
fi
extras=${1:-}
case "$extras" in
    "") spec="." ;;
    dev) spec=".[dev]" ;;
    *) echo "usage: scripts/bootstrap.sh [dev]" >&2; exit 2 ;;
esac
stamp=.venv/.parley-installed
hash=$(sha256sum pyproject.toml | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
# The stamp says what was installed: "<hash of pyproject.toml> <extras>".
# An install with the dev extras also serves the run command.
if [ "$have" != "$hash $extras" ] && [ "$have" != "$hash dev" ]; then
    echo "parley: installing ${extras:+$extras }dependencies into .venv (first run takes a few minutes)" >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e "$spec"
    echo "$hash $extras" > "$stamp"
fi
# Interface translations: compile the .po catalogues Flask-Babel reads.
if [ -d app/translations ]; then
    out=$(.venv/bin/pybabel compile -f -d app/translations 2>&1) || { echo "$out" >&2; exit 1; }
fi

#!/usr/bin/env bash
# Re-extract interface strings into app/translations/messages.pot and merge
# them into every language's messages.po (run after changing templates or
# strings in Python; then translate the new entries).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
    --project Parley --omit-header -o app/translations/messages.pot app
.venv/bin/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

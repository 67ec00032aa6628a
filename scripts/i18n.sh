#!/usr/bin/env bash
# Extract the translatable strings and update the Indonesian and English catalogues.
# Indonesian is the UI's first language: every msgid must have an Indonesian msgstr
# (tests/test_i18n.py checks it). The template keeps the file names of its messages: CKAN
# serves to the browser (/api/i18n/<lang>) the messages found in .js files. Compilation to .mo happens in scripts/dev.sh venv.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${VENV:-$ROOT/.dev/venv-${CKAN_VERSION:-2.11.6}}
I18N=$ROOT/ckanext/sopsektoral/i18n
POT=$I18N/ckanext-sopsektoral.pot
cd "$ROOT"
"$VENV/bin/pybabel" -q extract -F babel.cfg -k translate -k isPlural -k ungettext:1,2 -k N_ \
    --project=ckanext-sopsektoral --copyright-holder="Diskominfo Kota Balikpapan" \
    --sort-output -o "$POT" ckanext/sopsektoral
"$VENV/bin/python" "$ROOT/scripts/i18n_locations.py" "$POT"
for lang in id en; do
    po=$I18N/$lang/LC_MESSAGES/ckanext-sopsektoral.po
    if [ -f "$po" ]; then
        "$VENV/bin/pybabel" -q update -i "$POT" -o "$po" -l "$lang" -D ckanext-sopsektoral --no-fuzzy-matching --ignore-obsolete
    else
        mkdir -p "$(dirname "$po")"
        "$VENV/bin/pybabel" -q init -i "$POT" -o "$po" -l "$lang" -D ckanext-sopsektoral
    fi
done
"$VENV/bin/python" "$ROOT/scripts/i18n_fill_en.py" "$I18N/en/LC_MESSAGES/ckanext-sopsektoral.po"
"$VENV/bin/python" "$ROOT/scripts/i18n_check.py" "$I18N/id/LC_MESSAGES/ckanext-sopsektoral.po" || true

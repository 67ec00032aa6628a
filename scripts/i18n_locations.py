"""Keep only the file names of the template's locations (no line numbers, each file once).

CKAN builds the JavaScript translations (``/api/i18n/<lang>``) from the messages whose
locations in a plugin's ``.pot`` include a ``.js`` file (ckan/lib/i18n.py,
build_js_translations), so the template keeps its locations; without line numbers they
change only when a message moves to another file. Usage: i18n_locations.py POT_FILE
"""
import sys

import polib

path = sys.argv[1]
catalogue = polib.pofile(path, wrapwidth=80)
for entry in catalogue:
    entry.occurrences = [(name, "") for name in sorted({name for name, _line in entry.occurrences})]
catalogue.save(path)

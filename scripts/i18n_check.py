"""List the messages the Indonesian catalogue lacks; exit 1 if any."""
import sys

from babel.messages import pofile

with open(sys.argv[1], "rb") as f:
    catalog = pofile.read_po(f)
missing = [
    m.id for m in catalog
    if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)
]
for msgid in missing:
    print("untranslated:", msgid if isinstance(msgid, str) else msgid[0])
sys.exit(1 if missing else 0)

"""Set translations in a catalogue from a file of `msgid<TAB>msgstr` lines.

Plural entries take `msgid<TAB>singular form<TAB>plural form` (Indonesian has
one form, so both are usually the same). Usage: i18n_set.py PO_FILE < lines
"""
import sys

from babel.messages import pofile

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = pofile.read_po(f)
by_id = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in catalog if m.id}
unknown = []
for line in sys.stdin.read().splitlines():
    if not line.strip():
        continue
    parts = line.split("\t")
    message = by_id.get(parts[0])
    if message is None:
        unknown.append(parts[0])
        continue
    if isinstance(message.id, tuple):
        forms = parts[1:]
        count = max(len(message.string) if isinstance(message.string, tuple) else 2, len(forms))
        message.string = tuple(forms + [forms[-1]] * (count - len(forms)))
    else:
        message.string = parts[1]
    message.flags.discard("fuzzy")
with open(path, "wb") as f:
    pofile.write_po(f, catalog, width=80)
for msgid in unknown:
    print("not in catalogue:", msgid, file=sys.stderr)

"""The English catalogue: msgids are English, so each msgstr is its msgid."""
import sys

from babel.messages import pofile

path = sys.argv[1]
with open(path, "rb") as f:
    catalog = pofile.read_po(f)
for message in catalog:
    if not message.id:
        continue
    message.string = message.id
    message.flags.discard("fuzzy")
with open(path, "wb") as f:
    pofile.write_po(f, catalog, width=80, omit_header=False)

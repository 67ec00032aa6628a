# Metadata and package data live in pyproject.toml. This file adds what a static
# configuration cannot: the translation catalogues are compiled (.po -> .mo) by the
# build itself, so that every wheel and sdist carries them (`pip install .`,
# `pip install git+URL`, `python -m build`), and Babel's message extractors.
import os

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

I18N = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ckanext", "sopsektoral", "i18n")
DOMAIN = "ckanext-sopsektoral"


def compile_catalogues():
    """Write i18n/<lang>/LC_MESSAGES/ckanext-sopsektoral.mo from each .po (as pybabel compile)."""
    from io import BytesIO

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for lang in sorted(os.listdir(I18N)):
        po = os.path.join(I18N, lang, "LC_MESSAGES", DOMAIN + ".po")
        if not os.path.isfile(po):
            continue
        with open(po, "rb") as f:
            catalog = read_po(f, locale=lang, domain=DOMAIN)
        for message, errors in catalog.check():
            for error in errors:
                print(f"{po}: {message.id!r}: {error}")
        out = BytesIO()
        write_mo(out, catalog, use_fuzzy=False)
        mo = po[:-3] + ".mo"
        if os.path.isfile(mo):
            with open(mo, "rb") as f:
                if f.read() == out.getvalue():
                    continue
        with open(mo, "wb") as f:
            f.write(out.getvalue())
        print(f"compiled {mo} ({len(catalog)} messages)")


class BuildPyWithCatalogues(build_py):
    def run(self):
        compile_catalogues()  # before the package data (i18n/*/LC_MESSAGES/*.mo) is collected
        super().run()


class SdistWithCatalogues(sdist):
    def run(self):
        compile_catalogues()  # before egg_info lists the files (MANIFEST.in includes *.mo)
        super().run()


setup(
    cmdclass={"build_py": BuildPyWithCatalogues, "sdist": SdistWithCatalogues},
    message_extractors={
        "ckanext": [
            ("**.py", "python", None),
            ("**.js", "javascript", None),
            ("**/templates/**.html", "ckan", None),
        ],
    },
)

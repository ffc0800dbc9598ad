"""Every interface string has an English translation; Vietnamese is the source language."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from core import FEATURES
from core.i18n import untranslated

PROJECT_DIR = Path(__file__).resolve().parents[2]
METHOD_MAP = [("**.py", "python"), ("**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
CORE_TEMPLATES = ("base.html", "_macros.html", "core", "auth", "admin", "errors")


def extracted_ids(package: str) -> set[str]:
    """Message ids in the package's code and its templates."""
    sources = [PROJECT_DIR / package]
    templates = PROJECT_DIR / "templates"
    sources += [templates / name for name in CORE_TEMPLATES] if package == "core" else [templates / package]
    ids: set[str] = set()
    for source in sources:
        if source.is_file():
            messages = extract_from_dir(source.parent, METHOD_MAP, KEYWORDS)
            ids |= {m[2] if isinstance(m[2], str) else m[2][0] for m in messages if m[0] == source.name}
        elif source.is_dir():
            ids |= {m[2] if isinstance(m[2], str) else m[2][0] for m in extract_from_dir(source, METHOD_MAP, KEYWORDS)}
    return {i for i in ids if i}


@pytest.mark.parametrize("package", ["core", *FEATURES])
def test_english_catalog_translates_every_string_of_the_package(package):
    catalog = PROJECT_DIR / package / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    assert catalog.exists(), f"{package} has no English catalog: make i18n-extract PKG={package}"
    assert untranslated(catalog) == []
    from babel.messages.pofile import read_po

    with catalog.open("rb") as handle:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    missing = extracted_ids(package) - known
    assert not missing, f"run make i18n-extract PKG={package} and translate: {sorted(missing)[:5]}"

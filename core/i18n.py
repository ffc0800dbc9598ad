"""Translation catalogs: each package keeps its own under ``<package>/translations``.

Source strings are Vietnamese (the default interface language); the English
catalogs translate them. Catalogs are compiled from the committed .po files.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po


def compile_catalogs(translation_dirs: list[Path]) -> list[Path]:
    """Compile every .po file whose .mo is missing or older; return the files written."""
    written = []
    for directory in translation_dirs:
        for po_path in sorted(directory.glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            written.append(mo_path)
    return written


def untranslated(po_path: Path) -> list[str]:
    """Message ids of a catalog that have no translation (or are marked fuzzy)."""
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file)
    return [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]

"""Text every writer and form shares: which characters a stored text may hold, and what XML can hold.

Control characters have no use in anything typed into this platform. Word pastes one with
Shift+Enter (vertical tab, \\x0b); XML 1.0, hence XLSX and DOCX, cannot hold it, and an export
holding one failed for everybody. Forms refuse them at input (``core.forms.Form``); writers drop
them at output (``xml_text``), for text stored before the forms refused them or by other paths.
"""

from __future__ import annotations

import re

# C0 controls other than tab, line feed and carriage return, and DEL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What XML 1.0 cannot hold at all: those C0 controls, lone surrogates, U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Word's line and page breaks: a space keeps the words on either side apart.
_BREAKS = str.maketrans({"\x0b": " ", "\x0c": " "})


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a character no form field accepts."""
    return CONTROL_CHARACTERS.search(text) is not None


def xml_text(text: str) -> str:
    """``text`` as XML can hold it: pasted line and page breaks become spaces, other illegal characters go."""
    if _XML_ILLEGAL.search(text) is None:  # the usual case, without building a new string
        return text
    return _XML_ILLEGAL.sub("", text.translate(_BREAKS))

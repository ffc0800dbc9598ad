"""QR codes for short links: a URL goes in, PNG or SVG bytes come out.

segno writes both formats from one encoder and needs no Pillow; error
correction level M survives a poster that is creased or photocopied.
"""

from __future__ import annotations

import io

import segno


def qr_png(url: str, *, scale: int = 10) -> bytes:
    """PNG bytes of a QR code for ``url`` with a quiet zone of 4 modules."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def qr_svg(url: str, *, scale: int = 10) -> bytes:
    """SVG bytes of a QR code for ``url``, for crisp printing at any size."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=True, title=url
    )
    return buffer.getvalue()


def qr_svg_inline(url: str, *, scale: int = 8) -> str:
    """An <svg> element (no XML declaration) to embed in an HTML page or a poster."""
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(
        buffer, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True, title=url
    )
    return buffer.getvalue().decode()

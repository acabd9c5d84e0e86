"""The codebook, docs/codebook.md, as HTML for /about/: the one file is the rulebook,
so the page never holds a copy of its text. Rendered once per process (a changed file
shows after a restart), with Markdown tables. Marked safe because the file is ours,
reviewed like code, never a reader's input."""

from __future__ import annotations

from functools import cache

import markdown
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.toc import slugify

CODEBOOK = settings.BASE_DIR / "docs" / "codebook.md"


def _anchor(value: str, separator: str) -> str:
    """The title's id is "codebook" (/about/#codebook); every other heading's is
    prefixed, so none clashes with the page's own ids (its "Sources" is #sources)."""
    slug = slugify(value, separator)
    return slug if slug == "codebook" else f"codebook-{slug}"


@cache
def codebook_html() -> SafeString:
    """docs/codebook.md as HTML, its headings one level down: its "# Codebook" is an
    <h2> under the page's <h1>, its sections <h3>."""
    toc = {"baselevel": 2, "slugify": _anchor}
    html = markdown.markdown(
        CODEBOOK.read_text(encoding="utf-8"),
        extensions=["tables", "toc"],
        extension_configs={"toc": toc},
    )
    return mark_safe(html)

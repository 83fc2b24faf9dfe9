"""Django templates to PDF with weasyprint: one document, or many laid out together and split again.

Every document is a Django template extending ``pdf/base.html``; the same template renders the
HTML a browser (or a test) reads and the PDF. What makes weasyprint fast enough for batches:

- the font configuration and the parsed stylesheet are made once per process and reused
  (``font_config()``, ``stylesheet()``): parsing CSS and loading fonts is a good part of a
  standalone render;
- ``render_pdf_batch`` lays out many documents in ONE weasyprint document (their bodies
  concatenated, each starting on a new page) and splits the pages back into one PDF per
  document with ``Document.copy(pages)``. Layout is per page, but HTML parsing, the cascade and
  the page setup are paid once per batch instead of once per document: about 0.2 s per statement
  instead of 0.6 s on a modest machine.

Each document's pages number from 1 even inside a batch: every document is an
``<article class="document">`` on the named page ``document``, and the stylesheet resets the
page counter on the first page of each such group (``@page :nth(1 of document)``).

The shared stylesheet ``pdf/document.css`` is itself a template (the trust's name in the
running header, the translated "Page" label, the paper size): it is rendered for the current
language and parsed once per distinct result. The HTML variant inlines it, so a browser prints
the same layout.

Resources (a logo, say) are looked up among the static files, never on the network:
``{% static %}`` URLs resolve through Django's static finders (see ``url_fetcher``).
"""

from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

__all__ = [
    "STYLESHEET_TEMPLATE",
    "document_settings",
    "font_config",
    "render_html",
    "render_pdf",
    "render_pdf_batch",
    "reset_caches",
    "static_path",
    "stylesheet",
    "url_fetcher",
]

STYLESHEET_TEMPLATE = "pdf/document.css"
# A pseudo-origin for relative and root-relative URLs in the documents: ``/static/x.png``
# becomes ``file:///static/x.png``, which ``url_fetcher()`` maps to the static finders.
BASE_URL = "file:///"

# weasyprint logs each layout step at INFO ("Step 5 - Creating layout - Page 1"): a batch of a
# thousand statements would bury everything else in the log. Quiet unless LOGGING sets a level.
_progress_logger = logging.getLogger("weasyprint.progress")
if _progress_logger.level == logging.NOTSET:
    _progress_logger.setLevel(logging.WARNING)

_lock = threading.Lock()
_font_config: Any = None
# Parsed stylesheets keyed by their rendered text: one per language / trust name / paper size in practice.
_stylesheets: dict[str, Any] = {}
_MAX_STYLESHEETS = 16


# ---------------------------------------------------------------------------------------------
# The trust's settings for documents
# ---------------------------------------------------------------------------------------------


def document_settings() -> dict[str, str]:
    """The trust's name and paper size, from ``settings.CLT`` (``TRUST_NAME``, ``PAPER_SIZE``).

    Paper defaults to US Letter for a trust in the Americas (its time zone says so) and A4
    elsewhere; ``CLT["PAPER_SIZE"]`` ("letter" or "A4") overrides it.
    """
    clt = getattr(settings, "CLT", {}) or {}
    paper = str(clt.get("PAPER_SIZE") or "").strip()
    if not paper:
        paper = "letter" if str(getattr(settings, "TIME_ZONE", "")).startswith("America/") else "A4"
    return {
        "trust_name": str(clt.get("TRUST_NAME", "Community Land Trust")),
        "paper_size": "letter" if paper.lower() == "letter" else "A4",
    }


def _css_string(text: str) -> str:
    """``text`` as a double-quoted CSS string (the trust's name goes into ``content:``). ``<`` is
    escaped too: the HTML variant inlines the stylesheet in a ``<style>`` element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    return '"' + re.sub(r"[\r\n\f]+", " ", escaped) + '"'


def _stylesheet_text() -> str:
    values = document_settings()
    return render_to_string(
        STYLESHEET_TEMPLATE,
        {
            **values,
            "trust_name_css": _css_string(values["trust_name"]),
            "page_label_css": _css_string(_("Page")),
        },
    )


# ---------------------------------------------------------------------------------------------
# Per-process caches: fonts and parsed stylesheets
# ---------------------------------------------------------------------------------------------


def font_config() -> Any:
    """The process's weasyprint ``FontConfiguration`` (made on first use, then reused)."""
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        with _lock:
            if _font_config is None:
                _font_config = FontConfiguration()
    return _font_config


def reset_caches() -> None:
    """Forget the fonts and stylesheets: a forked worker calls it so that it opens its own font files
    instead of sharing the parent's open files (and their read positions)."""
    global _font_config
    with _lock:
        _font_config = None
        _stylesheets.clear()


def stylesheet() -> Any:
    """The shared document stylesheet for the active language, parsed once and reused."""
    from weasyprint import CSS

    text = _stylesheet_text()
    sheet = _stylesheets.get(text)
    if sheet is None:
        sheet = CSS(string=text, base_url=BASE_URL, url_fetcher=url_fetcher(), font_config=font_config())
        with _lock:
            if len(_stylesheets) >= _MAX_STYLESHEETS:
                _stylesheets.clear()
            _stylesheets[text] = sheet
    return sheet


def static_path(url: str) -> Path | None:
    """The static file a URL names (``file:///static/...`` or ``/static/...``), or None.

    Documents never fetch from the network or read arbitrary files: what they show comes from the
    database through the template, and their images and fonts from the static files.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("", "file"):
        return None
    prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    path = unquote(parts.path)
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix) :]
    if not relative or ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    root = getattr(settings, "STATIC_ROOT", None)
    candidate = Path(root) / relative if root else None
    return candidate if candidate is not None and candidate.is_file() else None


_fetcher_class: type | None = None


def url_fetcher() -> Any:
    """A weasyprint URL fetcher that serves ``static_path`` files and ``data:`` URLs, and refuses the rest.

    Built on first use: importing weasyprint takes about a second, which a process that never
    renders a document should not pay.
    """
    global _fetcher_class
    if _fetcher_class is None:
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        class StaticFilesFetcher(URLFetcher):
            def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
                if url.startswith("data:"):
                    return super().fetch(url, headers)
                path = static_path(url)
                if path is None:
                    raise ValueError(f"Documents may only use static files, not {url}")
                return URLFetcherResponse(path.as_uri(), path.read_bytes())

        _fetcher_class = StaticFilesFetcher
    return _fetcher_class()


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _context(context: Mapping[str, Any], *, for_pdf: bool, document_id: str = "document") -> dict[str, Any]:
    values = document_settings()
    return {
        **values,
        **context,
        "for_pdf": for_pdf,
        "document_id": document_id,
        # The HTML variant carries its stylesheet (a browser prints it the same way); the PDF
        # takes the parsed one from the cache instead of parsing an inline copy each time.
        "inline_css": "" if for_pdf else _stylesheet_text(),
    }


def render_html(template_name: str, context: Mapping[str, Any], request: HttpRequest | None = None) -> str:
    """The document as a standalone HTML page (its stylesheet inlined)."""
    return render_to_string(template_name, _context(context, for_pdf=False), request=request)


def _layout(html: str) -> Any:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher()).render(
        stylesheets=[stylesheet()], font_config=font_config()
    )


def render_pdf(template_name: str, context: Mapping[str, Any], request: HttpRequest | None = None) -> bytes:
    """The document as PDF bytes."""
    html = render_to_string(template_name, _context(context, for_pdf=True), request=request)
    return _layout(html).write_pdf()


_BODY = re.compile(r"<body[^>]*>(?P<body>.*)</body>", re.DOTALL | re.IGNORECASE)


def render_pdf_batch(documents: Sequence[tuple[str, Mapping[str, Any]]]) -> list[bytes]:
    """Many documents laid out in one weasyprint document, returned as one PDF each, in order.

    ``documents`` is a sequence of ``(template_name, context)``. Each is rendered as for
    ``render_pdf``; their bodies are concatenated under the first one's head (every document
    shares ``pdf/base.html`` and the stylesheet), laid out once, and the pages are split at each
    document's first page, found by its anchor (``id="document-<n>"``).
    """
    if not documents:
        return []
    head = ""
    bodies = []
    ids = []
    for index, (template_name, context) in enumerate(documents):
        document_id = f"document-{index}"
        html = render_to_string(template_name, _context(context, for_pdf=True, document_id=document_id))
        match = _BODY.search(html)
        if match is None:
            raise ValueError(f"{template_name} has no <body>: documents extend pdf/base.html")
        if index == 0:
            head = html[: match.start("body")]
        bodies.append(match.group("body"))
        ids.append(document_id)
    layout = _layout(head + "\n".join(bodies) + "</body></html>")

    starts: dict[str, int] = {}
    for number, page in enumerate(layout.pages):
        for anchor in page.anchors:
            if anchor in ids and anchor not in starts:
                starts[anchor] = number
    missing = [i for i in ids if i not in starts]
    if missing:
        raise RuntimeError(f"Documents {', '.join(missing)} produced no page")
    bounds = [starts[i] for i in ids] + [len(layout.pages)]
    return [layout.copy(layout.pages[first:last]).write_pdf() for first, last in itertools.pairwise(bounds)]

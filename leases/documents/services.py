"""Producing documents: each lease document as HTML or PDF, the resale certificate, and statements in batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import pdf
from leases.documents.selectors import (
    DocumentError,
    DocumentParameterError,
    DocumentUnavailable,
    default_notice_context,
    document_base,
    document_leases,
    option_notice_context,
    resale_explanation,
    statement_context,
    statement_period,
    summary_context,
)
from leases.lifecycle.models import GroundLease
from leases.resale.models import ResaleCalculation

# ---------------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedStatement:
    lease_id: int
    filename: str
    pdf: bytes
    closing: Decimal


def statement_pdfs(
    lease_ids: Iterable[int], *, start: dt.date, end: dt.date, month: bool = True, today: dt.date | None = None
) -> list[RenderedStatement]:
    """The statements of ``lease_ids`` for ``start``–``end``, laid out together (``clt.pdf.render_pdf_batch``)."""
    ids = list(lease_ids)
    leases = {lease.pk: lease for lease in document_leases().filter(pk__in=ids)}
    missing = [i for i in ids if i not in leases]
    if missing:
        raise DocumentParameterError(_("lease: no lease %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    spec = KINDS["statement"]
    contexts = [statement_context(leases[i], start=start, end=end, month=month, today=today) for i in ids]
    rendered = pdf.render_pdf_batch([(spec.template, context) for context in contexts])
    return [
        RenderedStatement(i, document_filename(i, spec.slug, start, end, month=month), body, context["closing"])
        for i, body, context in zip(ids, rendered, contexts, strict=True)
    ]


RESALE_CERTIFICATE_TEMPLATE = "pdf/resale_certificate.html"


def resale_certificate_context(calculation: ResaleCalculation) -> dict[str, Any]:
    """The resale-price certificate of a saved calculation: the trust, its number (the calculation's id), the
    lease, home and owners, the policy and its approval, every line, the maximum resale price, the index values
    with their dates, and who issued it when (the staff member who saved it, on the day it was saved)."""
    lease = document_leases().get(pk=calculation.lease_id)
    issued_on = timezone.localdate(calculation.created)
    actor = calculation.actor
    return {
        **document_base(lease, _("Resale price certificate"), issued_on),
        "calculation": calculation,
        "number": calculation.pk,
        "home": str(lease.unit),
        "version": calculation.policy_version,
        "issued_on": issued_on,
        "issued_by": (actor.get_full_name() or actor.get_username()) if actor else "",
        **resale_explanation(calculation),
    }


def resale_certificate_filename(calculation: ResaleCalculation) -> str:
    return f"lease-{calculation.lease_id}-resale-certificate-{calculation.pk}.pdf"


def resale_certificate_response(request: HttpRequest, calculation: ResaleCalculation) -> HttpResponse:
    """The certificate of ``calculation`` (already fetched through ``visible_to(request.user)``): the PDF as an
    attachment, or ``?format=html``; any other format is a 400 with the reason."""
    output = request.GET.get("format", "pdf")
    if output not in ("pdf", "html"):
        return _bad_request(DocumentParameterError(_("format: choose pdf or html.")))
    context = resale_certificate_context(calculation)
    template = RESALE_CERTIFICATE_TEMPLATE
    if output == "html":
        return HttpResponse(pdf.render_html(template, context, request), content_type="text/html; charset=utf-8")
    response = HttpResponse(pdf.render_pdf(template, context, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{resale_certificate_filename(calculation)}"'
    return response


# ---------------------------------------------------------------------------------------------
# Kinds and the view helper
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentKind:
    slug: str
    template: str
    build: Callable[..., dict[str, Any]]
    label: Any
    dated: bool = False  # takes a period (?month= or ?start=&end=)


KINDS: dict[str, DocumentKind] = {
    kind.slug: kind
    for kind in (
        DocumentKind("summary", "pdf/lease_summary.html", summary_context, gettext_lazy("Lease summary")),
        DocumentKind(
            "statement", "pdf/statement.html", statement_context, gettext_lazy("Account statement"), dated=True
        ),
        DocumentKind(
            "default-notice", "pdf/default_notice.html", default_notice_context, gettext_lazy("Notice of default")
        ),
        DocumentKind(
            "option-notice",
            "pdf/option_notice.html",
            option_notice_context,
            gettext_lazy("Notice of the trust's purchase option"),
        ),
    )
}


def document_filename(
    lease: GroundLease | int, kind: str, start: dt.date | None = None, end: dt.date | None = None, *, month: bool = True
) -> str:
    """``lease-<id>-<kind>[-YYYY-MM].pdf`` (a date range: ``-<start>-<end>`` as YYYY-MM-DD)."""
    lease_id = lease if isinstance(lease, int) else lease.pk
    suffix = ""
    if start is not None and end is not None:
        suffix = f"-{start:%Y-%m}" if month else f"-{start.isoformat()}-{end.isoformat()}"
    return f"lease-{lease_id}-{kind}{suffix}.pdf"


def _bad_request(error: DocumentError) -> HttpResponse:
    return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def document_response(request: HttpRequest, lease: GroundLease, kind: str) -> HttpResponse:
    """One document of ``lease`` (already fetched through ``visible_to(request.user)``).

    ``?format=html`` gives the HTML page, otherwise the PDF as an attachment. A statement takes
    ``?month=YYYY-MM`` (default the last full month) or ``?start=YYYY-MM-DD&end=YYYY-MM-DD``.
    Unknown kind, or a notice the lease has no event for: 404. Bad parameters: 400 with the reason.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise Http404(_("No such document."))
    output = request.GET.get("format", "pdf")
    if output not in ("pdf", "html"):
        return _bad_request(DocumentParameterError(_("format: choose pdf or html.")))
    options: dict[str, Any] = {}
    start = end = None
    is_month = True
    if spec.dated:
        try:
            start, end, is_month = statement_period(request.GET)
        except DocumentParameterError as error:
            return _bad_request(error)
        options = {"start": start, "end": end, "month": is_month}
    lease = document_leases().get(pk=lease.pk)
    try:
        context = spec.build(lease, **options)
    except DocumentUnavailable as error:
        raise Http404(str(error)) from None
    except DocumentParameterError as error:
        return _bad_request(error)
    if output == "html":
        return HttpResponse(pdf.render_html(spec.template, context, request), content_type="text/html; charset=utf-8")
    response = HttpResponse(pdf.render_pdf(spec.template, context, request), content_type="application/pdf")
    filename = document_filename(lease, kind, start, end, month=is_month)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

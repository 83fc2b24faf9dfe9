"""The staff page of the resale portfolio (``/leases/portfolio/?as_of=``): ``leases.resale.portfolio`` on a page.

Per program, a bar chart of the initial subsidy beside the subsidy retained (the impact report's chart,
``leases.resale.views.charts``, with the same figures in the table under it), then every lease in force on
the date, 50 a page, with the reason where there is no price, and a link to the same rows as CSV
(``/api/v1/resale/portfolio/?format=csv``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import clock
from clt.decorators import staff_required
from clt.forms import add_service_errors
from leases.lifecycle.models import GroundLease
from leases.resale import portfolio
from leases.resale.models import ResalePolicy
from leases.resale.views.charts import SubsidyRow, subsidy_chart

PAGE_SIZE = 50
HUNDRED = Decimal("100")


class PortfolioForm(forms.Form):
    """The page's question (GET): the valuation date and, if wanted, one program."""

    as_of = forms.DateField(
        label=gettext_lazy("Valued on"),
        required=False,
        help_text=gettext_lazy("Leases in force on this date, priced by their formula then. Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    program = forms.ChoiceField(label=gettext_lazy("Program"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ResalePolicy.objects.order_by("name").values_list("name", flat=True)
        self.fields["program"].choices = [("", _("All programs"))] + [(name, name) for name in names]


# --- The page --------------------------------------------------------------------------------------------


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * HUNDRED).quantize(Decimal("0.1"))


@staff_required
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """Every lease in force on ``as_of`` with its formula price, per program; 400 with the reason for a bad date."""
    form = PortfolioForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "leases/resale/portfolio.html", context, status=400)
    values = form.cleaned_data if form.is_bound else {}
    as_of = values.get("as_of") or clock.today()
    program = values.get("program") or None
    visible = GroundLease.objects.visible_to(request.user)
    try:
        found = portfolio.portfolio_index(as_of=as_of, leases=visible, program=program)
    except ValidationError as error:  # a program renamed since the form was drawn
        add_service_errors(form, error)
        return render(request, "leases/resale/portfolio.html", context, status=400)

    # Only the page is valued; the sums and the order of every lease are kept for the date.
    page = Paginator(found.leases, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = found.rows(page.object_list)
    kept = {"as_of": as_of.isoformat(), **({"program": program} if program else {})}
    context.update(
        {
            "portfolio": found,
            "as_of": as_of,
            "page": page,
            "query": urlencode(kept),
            # The CSV values every lease: built as a job (docs/jobs.md); the API still streams it to a program.
            "csv_url": reverse("leases:portfolio_export") + "?" + urlencode(kept),
            "chart": subsidy_chart(
                # Over the leases where both figures are known: those of the retention ratio.
                [SubsidyRow(s.label, s.initial_compared, s.retained_compared) for s in found.programs if s.compared]
            ),
            "programs": [(s, _percent(s.retention_ratio)) for s in found.programs],
            "total_percent": _percent(found.total.retention_ratio),
        }
    )
    return render(request, "leases/resale/portfolio.html", context)

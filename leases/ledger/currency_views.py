"""Staff pages of local currencies: the currencies and their rate history, adding one, setting a rate (the board's
decision), and the report of what each currency brought between two dates (a page and CSV)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from clt import clock
from clt.csvresponse import csv_response
from clt.decorators import staff_required
from clt.views import form_page
from leases.ledger import selectors, services, wording
from leases.ledger.forms import LocalCurrencyForm, LocalCurrencyRateForm, LocalCurrencyReportForm
from leases.ledger.models import LocalCurrency, LocalCurrencyRate

__all__ = ["currency_create", "currency_list", "currency_rate_create", "currency_report"]

FORM_TEMPLATE = "leases/form_page.html"


def _back() -> dict[str, str]:
    return {"url": reverse("leases:currency_list"), "label": _("Back to local currencies")}


@staff_required
def currency_list(request: HttpRequest) -> HttpResponse:
    """Each currency, the rate and share in force today, and every rate the board set, newest first."""
    today = clock.today()
    currencies = LocalCurrency.objects.visible_to(request.user).prefetch_related(
        Prefetch("rates", queryset=LocalCurrencyRate.objects.order_by("-effective"))
    )
    rows = []
    for currency in currencies:
        rates = list(currency.rates.all())
        current = next((rate for rate in rates if rate.effective <= today), None)
        rows.append(
            {
                "currency": currency,
                "current": current,
                "rates": [(rate, wording.rate_text(rate.dollars_per_unit)) for rate in rates],
            }
        )
    return render(
        request, "leases/ledger/currencies.html", {"rows": rows, "today": today, "title": _("Local currencies")}
    )


@staff_required
def currency_create(request: HttpRequest) -> HttpResponse:
    form = LocalCurrencyForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LocalCurrency:
        return services.local_currency_create(
            code=cleaned["code"],
            name=cleaned["name"],
            symbol=cleaned["symbol"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return form_page(
        request,
        form,
        save,
        template=FORM_TEMPLATE,
        success=lambda c: _("%(name)s added. Set its rate before payments are taken in it.") % {"name": c.name},
        next_url=lambda c: reverse("leases:currency_rate_create", args=[c.code]),
        context={"title": _("Add a local currency"), "back": _back()},
    )


@staff_required
def currency_rate_create(request: HttpRequest, code: str) -> HttpResponse:
    currency = get_object_or_404(LocalCurrency.objects.visible_to(request.user), code=code)
    form = LocalCurrencyRateForm(request.POST or None)

    def save(cleaned: dict[str, Any]) -> LocalCurrencyRate:
        return services.local_rate_set(
            currency=currency,
            effective=cleaned["effective"],
            dollars_per_unit=cleaned["dollars_per_unit"],
            max_share_pct=cleaned["max_share_pct"],
            actor=request.user,
            reason=cleaned["change_reason"],
        )

    return form_page(
        request,
        form,
        save,
        template=FORM_TEMPLATE,
        success=lambda rate: (
            _("From %(date)s, %(name)s are credited at $%(rate)s per %(symbol)s, up to %(share)s%% of each fee.")
            % {
                "date": rate.effective,
                "name": currency.name,
                "rate": wording.rate_text(rate.dollars_per_unit),
                "symbol": currency.symbol,
                "share": wording.units_text(rate.max_share_pct),
            }
        ),
        next_url=reverse("leases:currency_list"),
        context={"title": _("Set the rate of %(name)s") % {"name": currency.name}, "back": _back()},
    )


def _default_period(today: dt.date) -> dict[str, dt.date]:
    return {"start": today.replace(month=1, day=1), "end": today}


@staff_required
def currency_report(request: HttpRequest) -> HttpResponse:
    """Per currency, the payments received between two dates (not reversed by the end): count, units, dollars.
    ``?format=csv`` gives the same rows as a file."""
    today = clock.today()
    form = LocalCurrencyReportForm(request.GET if "start" in request.GET else None, initial=_default_period(today))
    context: dict[str, Any] = {"form": form, "title": _("Lease fees paid in local currencies"), "back": _back()}
    if form.is_bound and not form.is_valid():
        return render(request, "leases/ledger/currency_report.html", context, status=400)
    period = form.cleaned_data if form.is_bound else _default_period(today)
    totals = selectors.local_currency_totals(start=period["start"], end=period["end"])
    if request.GET.get("format") == "csv":
        return csv_response(
            (
                [t.currency.code, t.currency.name, period["start"], period["end"], t.payments, t.units, t.dollars]
                for t in totals
            ),
            header=["code", "currency", "start", "end", "payments", "amount_in_currency", "dollars_credited"],
            filename=f"local-currencies-{period['start'].isoformat()}-{period['end'].isoformat()}.csv",
            streaming=False,
        )
    query = {"start": period["start"].isoformat(), "end": period["end"].isoformat(), "format": "csv"}
    context.update(
        {
            "totals": [(t, wording.units_text(t.units)) for t in totals],
            "start": period["start"],
            "end": period["end"],
            "payments": sum(t.payments for t in totals),
            "dollars": sum((t.dollars for t in totals), selectors.ZERO),
            "csv_url": reverse("leases:currency_report") + "?" + urlencode(query),
        }
    )
    return render(request, "leases/ledger/currency_report.html", context)

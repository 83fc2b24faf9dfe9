"""The member's own proxies online (``/governance/my/proxies/``): give one for a meeting or an election ahead,
to a holder found by name, and revoke it before the deadline. Works without JavaScript: the holder search is a
GET that lists at most ``MAX_MATCHES`` voting members to pick from; giving and revoking are POSTs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from clt import roles
from clt.models import Person
from governance.meetings.models import Proxy
from governance.meetings.online_proxies import (
    MAX_MATCHES,
    find_people,
    occasion_of,
    occasions_for,
    proxy_deadline,
    proxy_give,
    proxy_withdraw,
)
from governance.membership.selectors import addresses_of


def _errors(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, PermissionDenied):
        return [str(error) or _("You may not do this.")]
    return [message for messages_ in error.message_dict.values() for message in messages_]


def my_proxies(request: HttpRequest) -> HttpResponse:
    user = request.user
    person = Person.objects.filter(user=user).first()
    if person is None or not roles.is_member(user):
        raise PermissionDenied
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "give":
                holder_id = request.POST.get("holder") or ""
                holder = Person.objects.filter(pk=int(holder_id)).first() if holder_id.isdigit() else None
                if holder is None:
                    raise ValidationError({"holder": [_("Choose the proxy holder from the list.")]})
                proxy_give(actor=user, occasion_key=request.POST.get("occasion", ""), holder=holder)
                messages.success(request, _("Your proxy is given to %(person)s.") % {"person": holder})
                return redirect("governance:my_proxies")
            if action == "revoke":
                proxy_id = request.POST.get("proxy") or ""
                proxy = Proxy.objects.filter(pk=int(proxy_id)).first() if proxy_id.isdigit() else None
                if proxy is None:
                    raise ValidationError({"proxy": [_("No such proxy.")]})
                proxy_withdraw(actor=user, proxy=proxy)
                messages.success(request, _("Your proxy is revoked."))
                return redirect("governance:my_proxies")
            raise ValidationError({"action": [_("Unknown action.")]})
        except (ValidationError, PermissionDenied) as error:
            errors = _errors(error)
            status = 403 if isinstance(error, PermissionDenied) else 400

    occasions = occasions_for()
    key = request.POST.get("occasion") or request.GET.get("occasion") or ""
    query = (request.GET.get("q") or "").strip()[:100]
    chosen = None
    matches: list[Person] = []
    if key:
        try:
            chosen = occasion_of(key)
        except ValidationError as error:
            errors += _errors(error)
            status = 400
    if chosen is not None and query:
        matches = [p for p in find_people(user, query, on=chosen.record_date) if p.pk != person.pk]
    addresses = addresses_of([p.pk for p in matches]) if matches else {}
    now = timezone.now()
    given = list(
        Proxy.objects.filter(grantor=person).select_related("holder", "meeting", "election").order_by("-pk")[:50]
    )
    rows = [
        {
            "proxy": p,
            "occasion": p.meeting or p.election,
            "can_revoke": p.revoked_on is None and now < proxy_deadline(p),
        }
        for p in given
    ]
    context: dict[str, Any] = {
        "occasions": occasions,
        "chosen": chosen,
        "query": query,
        # The address tells two people of the same name apart.
        "matches": [{"person": p, "address": addresses.get(p.pk, "")} for p in matches],
        "max_matches": MAX_MATCHES,
        "rows": rows,
        "errors": errors,
    }
    return render(request, "governance/meetings/my_proxies.html", context, status=status)

"""The ledger side of the demo: fee increases, each household's way of paying, a year of billing, and BerkShares
(a local currency the board accepts for part of each fee) with two payments made in them.

A mixin of ``leases.demo.Demo``: it reads the run's state (``self.today``, ``self.rng``, ``self.actor``,
``self.plans``…) and the helpers the demo defines.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal

from simple_history.utils import bulk_create_with_history

from clt.dates import month_start
from leases.ledger import selectors as ledger_selectors
from leases.ledger import services as ledger_services
from leases.ledger.models import LocalCurrency, Payment, PaymentMethod
from leases.lifecycle.demo import REASON, LeasePlan, demo_money


class LedgerDemo:
    def fee_increases(self) -> None:
        """The 2018 lease's 5 % increase, once, early in the billing year (checked against the cap)."""
        effective = month_start(self.today, -9)
        for plan in self.plans:
            lease = plan.lease
            if lease.template_version_id != self.cht_v2.pk or plan.profile == "none":
                continue
            if lease.commencement > effective - dt.timedelta(days=366):
                continue
            old = plan.rate_on(effective)
            new = demo_money(old * Decimal("1.05"))
            ledger_services.fee_rate_change(
                lease=lease,
                effective=effective,
                amount=new,
                actor=self.actor,
                reason="Annual adjustment for inflation, 5 % (the lease's cap)",
            )
            plan.rates.append((effective, new))

    def payments_for(self, plan: LeasePlan, *, bulk: bool = False) -> list[Payment]:
        made = self.payment_plan(plan)
        if bulk:
            bulk_create_with_history(
                made, Payment, batch_size=500, default_user=self.actor, default_change_reason=REASON
            )
        return made

    def payment_plan(self, plan: LeasePlan) -> list[Payment]:
        """The year's payments of one lease, by its holder's habits."""
        if plan.profile == "none":
            return []
        rng = self.rng
        lease = plan.lease
        due_day = lease.template_version.due_day
        payments = []

        def pay(day: dt.date, amount: Decimal, reference: str = "") -> Payment | None:
            if day > self.today or amount <= 0 or (plan.ends_on and day >= plan.ends_on):
                return None
            method = rng.choice([PaymentMethod.CHECK, PaymentMethod.CHECK, PaymentMethod.ACH])
            if reference:  # a check the story names (its number is the reference: the method says "check")
                method = PaymentMethod.CHECK
            ref = reference or (str(rng.randint(1000, 9999)) if method == PaymentMethod.CHECK else "")
            payment = Payment(lease=lease, received_on=day, amount=demo_money(amount), method=method, reference=ref)
            payments.append(payment)
            return payment

        dues = []
        for month in self.months:
            due = month.replace(day=min(due_day, 28))
            amount = plan.rate_on(due)
            if amount is None or due < (lease.commencement or due):
                continue
            dues.append((due, amount))
        count = len(dues)
        for index, (due, amount) in enumerate(dues):
            from_end = count - index
            if plan.profile == "late":
                pay(due + dt.timedelta(days=rng.randint(33, 48)), amount)
            elif plan.profile == "stopped" and from_end <= plan.stop_months:
                continue
            elif plan.profile == "partial" and from_end <= plan.stop_months:
                pay(due + dt.timedelta(days=rng.randint(0, 10)), amount / 2)
            elif plan.profile == "advance":
                if index % 6 == 0:
                    pay(due - dt.timedelta(days=rng.randint(5, 15)), amount * min(6, count - index))
            elif plan.profile == "rosa":
                self.rosa_payment(pay, due, amount, from_end)
            else:
                # A good payer's check or transfer arrives by the due date, so the demo's arrears are
                # its late payers' whatever the day of the month it is built on.
                pay(due - dt.timedelta(days=rng.randint(0, 6)), amount)
        return payments

    def rosa_payment(self, pay: Callable[..., Payment | None], due: dt.date, amount: Decimal, from_end: int) -> None:
        # On time until six months ago; that check bounced; since then $20 a month.
        if from_end > 6:
            pay(due + dt.timedelta(days=2), amount)
        elif from_end == 6:
            bounced = pay(due + dt.timedelta(days=3), amount, reference="2231")
            self.at(
                due + dt.timedelta(days=12),
                lambda: ledger_services.payment_reverse(
                    payment=bounced,
                    reversed_on=due + dt.timedelta(days=12),
                    actor=self.actor,
                    reason="Check 2231 returned for insufficient funds",
                ),
            )
        else:
            pay(due + dt.timedelta(days=4), Decimal("20.00"))

    def year_of_billing(self) -> None:
        bulk_create_with_history(
            self.payments, Payment, batch_size=500, default_user=self.actor, default_change_reason=REASON
        )
        self.actions.sort(key=lambda item: (item[0], item[1]))
        pending = list(self.actions)
        # Events dated before the billing year happen first; then each month's events, then its bill,
        # so a month's late fees see that month's sales, terminations and bounced cheques.
        while pending and pending[0][0] < self.first_month:
            pending.pop(0)[2]()
        self.billed = []
        for month in self.months:
            next_month = month_start(month, 1)
            while pending and pending[0][0] < next_month:
                pending.pop(0)[2]()
            self.billed.append(ledger_services.bill_month(year=month.year, month=month.month, actor=self.actor))

    def local_currency(self) -> None:
        """BerkShares at the board's rate (changed once, three months ago) and two payments in them today, on the
        first leases (the demo homeowner's first) whose open fees leave room for a whole unit or more."""
        currency = ledger_services.local_currency_create(
            code="BSH", name="BerkShares", symbol="B$", actor=self.actor, reason="Board resolution: local currency"
        )
        for effective, rate, reason in (
            (self.first_month, Decimal("0.95"), "Board resolution: BerkShares at $0.95, up to 20 % of each fee"),
            (month_start(self.today, -3), Decimal("0.97"), "Board resolution: BerkShares at the bank's new rate"),
        ):
            ledger_services.local_rate_set(
                currency=currency,
                effective=effective,
                dollars_per_unit=rate,
                max_share_pct=Decimal("20"),
                actor=self.actor,
                reason=reason,
            )
        plans = [self.rosa_plan] if self.rosa_plan else []
        plans += [plan for plan in self.plans if plan is not self.rosa_plan]
        made = 0
        for plan in plans:
            if made == 2:
                break
            if self.local_payment(plan, currency):
                made += 1

    def local_payment(self, plan: LeasePlan, currency: LocalCurrency) -> bool:
        rate = ledger_selectors.local_rate_on(currency, self.today)
        allowed = ledger_selectors.local_allowance(plan.lease, currency, on=self.today, share_pct=rate.max_share_pct)
        units = min(Decimal(40), (allowed / rate.dollars_per_unit).quantize(Decimal(1), rounding=ROUND_DOWN))
        if units < 1:
            return False
        ledger_services.payment_record(
            lease=plan.lease,
            amount=None,
            received_on=self.today,
            method=PaymentMethod.CASH,
            reference="",
            currency=currency,
            currency_amount=units,
            actor=self.actor,
            reason="Paid in BerkShares at the office",
        )
        return True

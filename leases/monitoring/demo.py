"""Monitoring in the demo: certifications and inspections, some overdue.

A mixin of ``leases.demo.Demo``: it reads the run's state (``self.today``, ``self.rng``, ``self.actor``,
``self.plans``…) and the helpers the demo defines.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clt import clock
from leases.lifecycle.demo import ONE_DAY, REASON
from leases.lifecycle.models import (
    GroundLease,
)
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringKind, MonitoringRecord, MonitoringStatus
from properties.models import UnitKind


class MonitoringDemo:
    def monitoring(self) -> None:
        rng = self.rng
        year = self.today.year
        active = list(GroundLease.objects.filter(status="active").select_related("unit").order_by("pk"))
        rosa = self.rosa_plan
        certifications = list(
            MonitoringRecord.objects.filter(kind=MonitoringKind.OCCUPANCY_CERTIFICATION, year=year)
            .select_related("lease")
            .order_by("pk")
        )
        changed = []
        for record in certifications:
            lease = record.lease
            if lease.status != "active":
                record.status = MonitoringStatus.WAIVED
                record.completed_on = lease.ended_on or self.today
                record.details = "The lease ended; no certification is due."
            elif rosa is not None and lease.pk == rosa.lease.pk:
                continue  # hers is still to do, from the homeowner portal
            elif lease.commencement and record.due and lease.commencement > record.due:
                record.status = MonitoringStatus.WAIVED
                record.completed_on = lease.commencement
                record.details = "Bought this year: the first certification is due next January."
            else:
                roll = rng.random()
                submitted = record.due - dt.timedelta(days=rng.randint(2, 25)) if record.due else self.today
                if roll < 0.03:
                    continue  # never returned: overdue
                record.months_occupied = 12 if roll > 0.04 else 9
                record.submitted_on = submitted
                record.status = MonitoringStatus.SUBMITTED
                if roll > 0.06:
                    record.status = MonitoringStatus.ACCEPTED
                    record.completed_on = submitted + dt.timedelta(days=rng.randint(5, 20))
            changed.append(record)
        bulk_update_with_history(
            changed,
            MonitoringRecord,
            ["status", "months_occupied", "submitted_on", "completed_on", "details"],
            batch_size=500,
            default_user=self.actor,
            default_change_reason=REASON,
        )

        extra = []
        for lease in rng.sample(active, min(30, len(active))):
            due = self.today + dt.timedelta(days=rng.randint(-40, 80))
            done = due < self.today and rng.random() < 0.75
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.INSURANCE,
                    year=due.year,
                    due=due,
                    status=MonitoringStatus.ACCEPTED if done else MonitoringStatus.REQUESTED,
                    submitted_on=due - ONE_DAY if done else None,
                    completed_on=due if done else None,
                    details="Homeowner's policy naming the trust and the lender as additional insured",
                )
            )
        for lease in rng.sample(active, 3):
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.PROPERTY_TAX,
                    year=year,
                    due=self.ago(rng.randint(20, 70)),
                    details="Proof of payment of the city's second-half property tax",
                )
            )
        condos = [lease for lease in active if lease.unit.kind == UnitKind.CONDO]
        for lease in condos[:2]:
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.HOA,
                    year=year,
                    due=self.today + dt.timedelta(days=rng.randint(10, 50)),
                    details="Statement from the condominium association that dues are paid",
                )
            )
        bulk_create_with_history(
            extra, MonitoringRecord, batch_size=500, default_user=self.actor, default_change_reason=REASON
        )

        now = clock.now().replace(minute=0, second=0, microsecond=0)
        inspected = active[len(active) // 2]
        scheduled = now + dt.timedelta(days=12)
        monitoring_services.monitoring_create(
            lease=inspected,
            kind=MonitoringKind.INSPECTION,
            actor=self.actor,
            reason="Annual exterior inspection, notice sent by letter",
            due=timezone.localdate(scheduled),
            status=MonitoringStatus.SCHEDULED,
            notice_sent_at=now - dt.timedelta(days=2),
            scheduled_for=scheduled,
            details="Exterior and roof; interior only with the owner's consent",
        )
        self.improvements(active)

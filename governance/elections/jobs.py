"""The election count as a job (docs/jobs.md): a large Meek count outlives a web request.

Counting again replaces the uncertified count (the tie-break seed is fixed, so the result is the same); a
certified election is not counted again, and its job ends "already done" with a link to the results.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from clt.jobs.models import Job, JobStatus
from clt.jobs.registry import JobKind, Outcome, Progress
from clt.jobs.services import job_enqueue
from governance.elections import selectors, services
from governance.elections.models import Election, ElectionPhase

__all__ = ["COUNT", "count_enqueue"]

COUNT = "election_count"
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


def count_enqueue(*, actor: Any, reason: str, election: Election) -> Job:
    """Check what the count itself checks first (the phase, who asks), so a refusal shows on the page at
    once; then queue it."""
    services.require_phase(election, ElectionPhase.CLOSED, ElectionPhase.COUNTED)
    if not selectors.may_run(actor, election):
        raise PermissionDenied(_("Only staff or the election officer count an election."))
    # A second click while the count is queued or running leads to the same job, not a second count.
    waiting = Job.objects.filter(kind=COUNT, params__election=election.pk, status__in=ACTIVE).first()
    if waiting is not None:
        return waiting
    title = _("Count of %(election)s") % {"election": election.name}
    return job_enqueue(actor=actor, kind=COUNT, title=title, params={"election": election.pk, "reason": reason})


def _run(job: Job, progress: Progress) -> Outcome:
    election = Election.objects.get(pk=job.params["election"])
    url = reverse("governance:election_results", args=[election.pk])
    if election.phase == ElectionPhase.CERTIFIED:
        return Outcome(summary=_("The election was already counted and certified."), url=url, already_done=True)
    contests = election.contests.count()
    progress(_("Counting"), 0, contests)
    services.election_count(actor=job.requested_by, reason=job.params["reason"], election=election)
    progress(_("Counted"), contests, contests)
    return Outcome(summary=_("The ballots are counted: the results wait for the officer's certification."), url=url)


def _may_retry(user: Any, job: Job) -> bool:
    election = Election.objects.filter(pk=job.params.get("election")).first()
    return election is not None and selectors.may_run(user, election)


KIND = JobKind(COUNT, _run, may_retry=_may_retry)

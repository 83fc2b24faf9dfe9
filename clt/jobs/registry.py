"""The kinds of job each app offers, registered from its ``AppConfig.ready()`` (the project imports no app).

An app registers a kind by name and the dotted path of its :class:`JobKind`; the module is imported when
a job of that kind is first asked for or run, not at start-up: the job modules import the parcel
reader (shapely, pyproj, numpy), the statement PDFs and the resale engine, a quarter of a second of
every ``manage.py`` start, which a command such as ``tally`` never needs.

A kind's ``run(job, progress)`` does the work by calling the app's existing services, reporting progress
through ``progress(message, done, total)`` (the same signature as :class:`clt.progress.ProgressBar`, so a
function that already reports to a command's bar reports to the page too), and returns an
:class:`Outcome`. It must be idempotent: run again after a failure, it finishes what is missing and
does not do twice what was done (docs/jobs.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from clt.jobs.models import Job

__all__ = ["JobKind", "Outcome", "Progress", "get", "register"]

Progress = Callable[[str, int, int], None]


@dataclass
class Outcome:
    """What a job produced: a link to a page, a stored file, a summary in words, or all of them.

    ``already_done``: nothing was left to do (a retry after the work had in fact been completed).
    """

    summary: str = ""
    url: str = ""
    file: ContentFile | None = None
    file_name: str = ""
    already_done: bool = False


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[Job, Progress], Outcome]
    # Who may retry a failed job of this kind besides staff (the election officer for a count): the
    # requester's right is checked again, since it may have ended since the job was asked for.
    may_retry: Callable[[Any, Job], bool] = field(default=lambda user, job: False)


_kinds: dict[str, JobKind | str] = {}


def register(kind: JobKind | str, name: str = "") -> JobKind | str:
    """Add a kind: the :class:`JobKind` itself, or its dotted path with its ``name`` (imported when needed)."""
    if isinstance(kind, str):
        if not name:
            raise ValueError("a kind registered by its dotted path needs its name")
        _kinds[name] = kind
    else:
        _kinds[kind.name] = kind
    return kind


def get(name: str) -> JobKind:
    try:
        kind = _kinds[name]
    except KeyError:
        raise LookupError(f"No job kind {name!r} is registered (is its app installed?)") from None
    if isinstance(kind, str):
        loaded = import_string(kind)
        if not isinstance(loaded, JobKind) or loaded.name != name:
            raise LookupError(f"{kind} is not the job kind {name!r}")
        kind = _kinds[name] = loaded
    return kind

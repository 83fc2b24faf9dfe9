"""Models of the board (R1, R6, R11, R12): seat classes and the terms served in them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clt.models import Person, TimeStampedModel
from clt.querysets import AccessRules, RestrictedQuerySet
from governance.membership.models import ZERO, MemberClass


class Selection(models.TextChoices):
    ELECTED = "elected", _("Elected by the members")
    APPOINTED = "appointed", pgettext_lazy("how board seats are filled", "Appointed")
    BOARD_SLATE_RATIFIED = "board_slate_ratified", _("Board slate ratified by the members")
    EX_OFFICIO = "ex_officio", _("Ex officio")


class VacancyFill(models.TextChoices):
    BOARD = "board", _("The board appoints")
    CLASS_MEMBERS = "class_members", _("The class's members elect")
    NEXT_ANNUAL_MEETING = "next_annual_meeting", _("Left to the next annual meeting")


class VacancyServes(models.TextChoices):
    REMAINDER_OF_TERM = "remainder_of_term", _("The rest of the term")
    UNTIL_NEXT_ANNUAL_MEETING = "until_next_annual_meeting", _("Until the next annual meeting")


class Shortfall(models.TextChoices):
    """R8: what happens when a class has fewer candidates than seats."""

    LEAVE_VACANT = "leave_vacant", _("Leave the seats vacant")
    BOARD_APPOINTS = "board_appoints", _("The board appoints from the same class")
    OPEN_TO_OTHER_CLASS = "open_to_other_class", _("Open the seats to another class")


class Uncontested(models.TextChoices):
    """R8: as many candidates as seats (or fewer)."""

    ACCLAIM = "acclaim", _("Declared elected without a vote")
    STILL_BALLOT = "still_ballot", _("Still put to a ballot")


class BoardQuerySet(RestrictedQuerySet):
    """The board is public: anyone reads its seat classes and terms (a trust publishes its board, and the roster
    page needs no login). Changing them is staff's, as for any restricted model (no access rules)."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action == "view":
            return self
        return super().restrict(user, action)


class SeatClass(TimeStampedModel):
    """A class of board seats (R1): how many, who elects them, who may stand, how they are filled, terms.

    Seats are a fixed number, or a floor (``min_seats``) and a cap as a share of the board (``max_share``).
    ``electorate`` and ``candidate_pool`` are lists of ``MemberClass`` values; an empty candidate pool means
    anyone may stand (public seats).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    min_seats = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    max_share = models.DecimalField(
        _("at most, as a share of the board"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    electorate = models.JSONField(_("who elects"), default=list, blank=True)
    candidate_pool = models.JSONField(_("who may stand"), default=list, blank=True)
    selection = models.CharField(
        _("how the seats are filled"), max_length=24, choices=Selection.choices, default=Selection.ELECTED
    )
    appointing_body = models.CharField(_("appointed by"), max_length=200, blank=True)
    term_years = models.PositiveSmallIntegerField(
        pgettext_lazy("a board term", "term (years)"), default=3, validators=[MinValueValidator(1)]
    )
    stagger_groups = models.PositiveSmallIntegerField(
        _("staggered in groups"), default=3, validators=[MinValueValidator(1)]
    )
    term_limit_consecutive = models.PositiveSmallIntegerField(_("consecutive terms at most"), null=True, blank=True)
    break_years = models.PositiveSmallIntegerField(_("years off before standing again"), default=0)
    vacancy_fill = models.CharField(
        _("vacancies are filled by"), max_length=24, choices=VacancyFill.choices, default=VacancyFill.BOARD
    )
    vacancy_serves = models.CharField(
        _("a vacancy's filler serves"),
        max_length=32,
        choices=VacancyServes.choices,
        default=VacancyServes.UNTIL_NEXT_ANNUAL_MEETING,
    )
    uncontested = models.CharField(
        _("when uncontested"), max_length=16, choices=Uncontested.choices, default=Uncontested.ACCLAIM
    )
    shortfall = models.CharField(
        _("when candidates are short"), max_length=24, choices=Shortfall.choices, default=Shortfall.BOARD_APPOINTS
    )
    removal_threshold = models.DecimalField(
        _("share of the electing class's votes needed to remove"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )

    # The board is public (the roster page and the API read it for everyone); writes are staff-only.
    history = HistoricalRecords()
    objects = BoardQuerySet.as_manager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("seat class")
        verbose_name_plural = _("seat classes")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.seats is None and self.min_seats is None:
            raise ValidationError({"seats": _("Give the number of seats, or a floor (and a cap).")})
        known = set(MemberClass.values)
        for field in ("electorate", "candidate_pool"):
            value = getattr(self, field)
            if not isinstance(value, list) or not set(value) <= known:
                raise ValidationError({field: _("A list of member classes: lessee, general, supporting.")})


class TermEnd(models.TextChoices):
    COMPLETED = "completed", _("Term completed")
    RESIGNED = "resigned", _("Resigned")
    REMOVED = "removed", _("Removed by the electing class")
    DIED = "died", _("Died")
    DISQUALIFIED = "disqualified", _("No longer eligible")
    REPLACED = "replaced", _("Replaced at the next annual meeting")


class TermBasis(models.TextChoices):
    ELECTED = "elected", pgettext_lazy("how a board term began", "Elected")
    ACCLAIMED = "acclaimed", pgettext_lazy("how a board term began", "Elected unopposed")
    APPOINTED = "appointed", pgettext_lazy("how a board term began", "Appointed")
    RATIFIED = "ratified", _("Board slate ratified")
    VACANCY = "vacancy", _("Filling a vacancy")
    EX_OFFICIO = "ex_officio", _("Ex officio")


class BoardTerm(TimeStampedModel):
    """A person's term in a seat class: from ``starts_on`` to ``ends_on`` (scheduled), or ``ended_on`` early."""

    seat_class = models.ForeignKey(SeatClass, on_delete=models.PROTECT, related_name="terms")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="board_terms")
    basis = models.CharField(_("how"), max_length=16, choices=TermBasis.choices, default=TermBasis.ELECTED)
    stagger_group = models.PositiveSmallIntegerField(_("stagger group"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("term ends on"))
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended early"), max_length=16, choices=TermEnd.choices, blank=True)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True, help_text=_("The election, resolution or board minute.")
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("fills the vacancy of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Public, as the seat classes are.
    history = HistoricalRecords()
    objects = BoardQuerySet.as_manager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["seat_class__order", "-starts_on", "pk"]
        verbose_name = _("board term")
        verbose_name_plural = _("board terms")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="governance_boardterm_ends_after_start",
                violation_error_message=_("A term ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}, {self.seat_class} ({self.starts_on}–{self.ends_on})"

"""Parties shared by every app: people and organisations.

A Person is anyone the trust deals with: a homeowner, a household member, a member of the
trust, a board member, a buyer. Linking a Person to a login (``user``) is what lets them see
their own records; a Person without a login is still a full record.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt.jobs.models import Job, JobStatus
from clt.querysets import AccessRules, RestrictedManager

__all__ = ["Job", "JobStatus", "Organization", "Person", "TimeStampedModel"]


class TimeStampedModel(models.Model):
    """When a row was created and last changed (history says by whom and why)."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_updated = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        abstract = True


class PreferredLanguage(models.TextChoices):
    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    CHINESE = "zh", _("Chinese")
    VIETNAMESE = "vi", _("Vietnamese")
    ARABIC = "ar", _("Arabic")
    FRENCH = "fr", _("French")
    HAITIAN_CREOLE = "ht", _("Haitian Creole")
    SOMALI = "so", _("Somali")
    NEPALI = "ne", _("Nepali")
    OTHER = "other", _("Other")


class Person(TimeStampedModel):
    """A person the trust knows: homeowner, household member, member, board member or buyer."""

    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mailing_address = models.TextField(_("mailing address"), blank=True)
    # On the person, not only on a membership row: a lease's household members have no membership, yet
    # lessee_scope=adult_household_members needs their age (governance.membership.selectors).
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=PreferredLanguage.choices, default=PreferredLanguage.ENGLISH
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text=_("The login that lets this person see their own home, lease and membership."),
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=("user",), change=("user",))

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)


class OrganizationKind(models.TextChoices):
    HOUSING_COOPERATIVE = "housing_cooperative", _("Limited-equity housing cooperative")
    NONPROFIT = "nonprofit", _("Nonprofit")
    GOVERNMENT = "government", _("Public body")
    LENDER = "lender", _("Lender")
    COMPANY = "company", _("Company")
    OTHER = "other", _("Other")


class Organization(TimeStampedModel):
    """An organisation: a housing cooperative that leases land, a funder, a lender, a public body."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices, default=OrganizationKind.OTHER)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mailing_address = models.TextField(_("mailing address"), blank=True)
    contact = models.ForeignKey(
        Person,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organizations_contacted",
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class AccountPreference(models.Model):
    """What a login chose for itself: the language of the pages, remembered from one sign-in to the next.

    Apart from ``Person.preferred_language`` (the language of the trust's letters to a person, which
    may be one the pages are not written in) and kept for staff logins that have no person.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("login"), on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(_("language of the pages"), max_length=8, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("account preference")
        verbose_name_plural = _("account preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.language}"

"""Every governance model names itself in the singular and the plural, so that no language gets a plural made
by adding an "s" to a translated name (Spanish "reunión de miembross")."""

from __future__ import annotations

from django.apps import apps


def test_every_governance_model_declares_its_plural():
    models = [m for m in apps.get_app_config("governance").get_models() if not m.__name__.startswith("Historical")]
    assert len(models) >= 18
    missing = [m.__name__ for m in models if not {"verbose_name", "verbose_name_plural"} <= set(m._meta.original_attrs)]
    assert missing == []
    names = {m.__name__: str(m._meta.verbose_name_plural) for m in models}
    assert names["Meeting"] == "member meetings" and names["AgendaItem"] == "agenda items"
    assert names["DuesPayment"] == "dues payments" and names["BoardTerm"] == "board terms"

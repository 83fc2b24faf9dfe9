"""Panels on the home page, contributed by each app (so the project package imports no app).

An app registers a function in its ``AppConfig.ready``, by its dotted path; the home page calls each
with the request and shows the panels that return something. The path is imported on the first home
page, not at start-up: the views a panel lives in import DRF, shapely and the rest, which a management
command such as ``tally`` never needs (a second of every ``manage.py`` start).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.utils.module_loading import import_string

__all__ = ["Panel", "panels_for", "register"]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any]
    order: int = 100


PanelFactory = Callable[[HttpRequest], "Panel | None"]
_registry: list[PanelFactory | str] = []


def register(factory: PanelFactory | str) -> PanelFactory | str:
    """Add a panel: its function, or the dotted path of its function (imported when first needed)."""
    if factory not in _registry:
        _registry.append(factory)
    return factory


def _factories() -> list[PanelFactory]:
    for i, factory in enumerate(_registry):
        if isinstance(factory, str):
            _registry[i] = import_string(factory)
    return list(_registry)  # type: ignore[arg-type]


def panels_for(request: HttpRequest) -> list[Panel]:
    panels = [panel for factory in _factories() if (panel := factory(request)) is not None]
    return sorted(panels, key=lambda p: p.order)

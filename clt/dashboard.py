"""Panels on the home page, contributed by each app (so the project package imports no app).

An app registers a function in its ``AppConfig.ready``; the home page calls each with the
request and shows the panels that return something.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

__all__ = ["Panel", "panels_for", "register"]


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any]
    order: int = 100


PanelFactory = Callable[[HttpRequest], "Panel | None"]
_registry: list[PanelFactory] = []


def register(factory: PanelFactory) -> PanelFactory:
    if factory not in _registry:
        _registry.append(factory)
    return factory


def panels_for(request: HttpRequest) -> list[Panel]:
    panels = [panel for factory in _registry if (panel := factory(request)) is not None]
    return sorted(panels, key=lambda p: p.order)

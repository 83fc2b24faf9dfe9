"""axe-core in the page: the serious and critical accessibility violations, named so that a failure reads.

axe-core comes from the npm registry through ``npm ci`` (``package.json``; the Makefile's test set-up
runs it), never from a CDN. Without it the check fails under CI and skips elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def violations(page, *, exclude: tuple[str, ...] = (), skip_rules: tuple[str, ...] = ()) -> list[str]:
    """Every serious or critical violation on the page as it is now: rule, impact and the first nodes.

    ``skip_rules``: axe rules not to run (e.g. ``color-contrast`` when the page was already checked at
    another width: the colours do not change with the width, and that rule is the slowest).
    """
    if not AXE.exists():
        message = "axe-core is not installed (npm ci): accessibility checks skipped"
        if os.environ.get("CI"):
            pytest.fail("CI must run the accessibility checks, but " + message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE))
    context = {"exclude": [[selector] for selector in exclude]} if exclude else None
    result = page.evaluate(
        """async ([context, skip]) => {
            const options = {resultTypes: ["violations"]};
            if (skip.length) options.rules = Object.fromEntries(skip.map(id => [id, {enabled: false}]));
            const found = await (context ? axe.run(context, options) : axe.run(document, options));
            return found.violations.map(v => ({
                id: v.id, impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }""",
        [context, list(skip_rules)],
    )
    return [
        f"{item['impact']} {item['id']}: {', '.join(item['nodes'])}" for item in result if item["impact"] in SERIOUS
    ]

"""The pure modules must import without Django, so commands, workers and other projects can use them alone.

Each check runs in a fresh interpreter: this test process has Django loaded already (pytest-django and
conftest), so looking at its own sys.modules would prove nothing.
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Every listed module must exist: a module that moves without this list following fails here instead of
# dropping out of the check unseen (four governance cores did, when they moved into their parts).
PURE_MODULES = [
    "properties/geometry.py",
    "properties/exchange.py",
    "leases/resale/engine.py",
    "leases/resale/codec.py",
    "leases/resale/impact.py",
    "leases/ledger/fees.py",
    "leases/lifecycle/rules.py",
    "governance/elections/counting.py",
    "governance/elections/blt.py",
    "governance/elections/codes.py",
    "governance/elections/chart.py",
    "governance/budgeting/rules.py",
    "governance/budgeting/pabulib.py",
    "governance/board/rules.py",
    "governance/membership/eligibility.py",
    "governance/meetings/quorum.py",
    "clt/jsontext.py",
    "clt/dates.py",
    "clt/csvexport.py",
    "clt/charts.py",
    "clt/collector.py",
]

CHECK = """
import importlib, sys
importlib.import_module({module!r})
loaded = sorted(name for name in sys.modules if name.startswith("django"))
assert not loaded, "imports Django: " + ", ".join(loaded)
"""


@pytest.mark.parametrize("path", PURE_MODULES)
def test_pure_module_imports_without_django(path):
    assert (ROOT / path).exists(), f"{path} is missing"
    module = path.removesuffix(".py").replace("/", ".")
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

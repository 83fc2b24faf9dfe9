"""The shape of the code (docs/architecture.md), kept: no import cycle, no import hidden in a function to dodge
one, no app reading another app's views, no product module over 800 lines but the pure cores.

Read from the source with ``ast``, without importing anything: no database, a fraction of a second.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("clt", "properties", "leases", "governance")
MAX_LINES = 800
# The pure cores may be long: each is one body of rules with its worked examples, read top to bottom.
LONG_PURE_CORES = {"leases/resale/engine.py", "leases/ledger/fees.py", "governance/elections/counting.py"}
# Imports that must wait for a reason other than a cycle: ``AppConfig.ready()`` runs once the app registry
# is loaded (a module-level import of models would load it too early), and the statement command's worker
# processes import their module before Django is set up.
LATE_IMPORTS_ALLOWED = {"clt/apps.py", "leases/apps.py", "properties/apps.py", "governance/apps.py"}
LATE_IMPORTS_ALLOWED |= {"leases/management/commands/statements.py"}


def _modules() -> Iterator[tuple[str, Path]]:
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = str(path.relative_to(ROOT)).removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            yield name, path


MODULES = dict(_modules())
# Each module read and parsed once for all the checks.
TREES = {name: ast.parse(path.read_text()) for name, path in MODULES.items()}
LINES = {name: len(path.read_text().splitlines()) for name, path in MODULES.items()}


def _imports(tree: ast.Module) -> Iterator[tuple[ast.stmt, list[str]]]:
    """Every import of a project module, with the names it could mean (``from a import b``: a, and a.b)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        names = [name for name in names if name.split(".")[0] in APPS]
        if names:
            yield node, names


def _module_level(tree: ast.Module) -> set[ast.AST]:
    """The statements that run when the module is imported (including those under a top-level if/try)."""
    nodes: set[ast.AST] = set(tree.body)
    for statement in tree.body:
        if isinstance(statement, ast.If | ast.Try):
            nodes.update(ast.walk(statement))
    return nodes


def _graph() -> tuple[dict[str, set[str]], dict[str, list[str]]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    late: dict[str, list[str]] = {}
    for name, path in MODULES.items():
        tree = TREES[name]
        top = _module_level(tree)
        for node, targets in _imports(tree):
            if node in top:
                graph[name].update(target for target in targets if target in MODULES)
            else:
                late.setdefault(str(path.relative_to(ROOT)), []).append(targets[0])
    return graph, late


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), i.e. the import cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_checks_read_the_whole_product():
    # A wrong root or pattern would make every check below pass on nothing.
    assert "leases.lifecycle.services" in MODULES
    assert "governance.elections.services" in MODULES
    assert len(MODULES) > 150


def test_no_import_cycle():
    graph, _late = _graph()
    assert graph["leases.lifecycle.services"] >= {"leases.lifecycle.models", "leases.ledger.services"}
    assert _cycles(graph) == []


def test_no_import_waits_inside_a_function_without_a_reason():
    late = _graph()[1]
    assert {path: names for path, names in late.items() if path not in LATE_IMPORTS_ALLOWED} == {}


def test_no_app_imports_another_apps_views():
    crossing = []
    for name in MODULES:
        app = name.split(".")[0]
        for _node, targets in _imports(TREES[name]):
            for target in targets:
                parts = target.split(".")
                if parts[0] not in (app, "clt") and "views" in parts:
                    crossing.append((name, target))
    assert crossing == []


def test_no_product_module_over_800_lines_but_the_pure_cores():
    long = {str(path.relative_to(ROOT)): LINES[name] for name, path in MODULES.items() if LINES[name] > MAX_LINES}
    assert set(long) <= LONG_PURE_CORES, {path: n for path, n in long.items() if path not in LONG_PURE_CORES}


def test_apps_import_one_way_governance_leases_properties_clt():
    below = {"clt": set(), "properties": {"clt"}, "leases": {"clt", "properties"}}
    below["governance"] = {"clt", "properties", "leases"}
    # The project's URL modules are where every app is plugged in: they are the one place clt reads the apps.
    wiring = {"clt.urls", "clt.api.urls"}
    against = []
    for name in MODULES:
        app = name.split(".")[0]
        if name in wiring:
            continue
        for _node, targets in _imports(TREES[name]):
            other = targets[0].split(".")[0]
            if other != app and other not in below[app]:
                against.append((name, targets[0]))
    assert against == []

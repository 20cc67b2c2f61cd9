"""Layers: every module of app/ and tasks/ imports only from its own layer and the layers below it.

From the bottom: settings < core < accounts < workspaces < clients < integrations (the Stripe connection: OAuth,
webhook intake, the StripeClient seam) < stripe_data (what the sync pulls through it) < credit_pricing < auto_billing
< credits < client_billing (the clients' billing page) < the features review, client_list, billing and revenue
< summary < api (the JSON API's tokens and reads) < tasks/ < HTTP (every controllers.py or *_controllers.py,
app/web, main, cli, demo). A lower layer gets what it needs as arguments or leaves the step to its caller (a
controller rematches after saving a client).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Bottom first; the modules of one entry may import each other. A module belongs to the entry whose prefix names it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.settings",),
    ("app.core",),
    ("app.accounts",),
    ("app.workspaces",),
    ("app.clients",),
    ("app.integrations",),
    ("app.stripe_data",),
    ("app.credit_pricing",),
    ("app.auto_billing",),
    # The agency's branding sits below credits: the recharge emails and pages go out under it.
    ("app.client_billing.branding", "app.client_billing.tables"),
    ("app.credits",),
    ("app.client_billing",),
    ("app.review", "app.client_list", "app.billing", "app.revenue", "app.credit_activity"),
    ("app.summary",),
    ("app.brief",),
    ("app.api",),
    ("tasks",),
    ("app.web", "app.main", "app.asgi", "app.__main__", "app.cli", "app.demo", "app.dev"),
)
HTTP = len(LAYERS) - 1  # where every `controllers` module sits, whatever its folder


def layer_of(module: str) -> int | None:
    """The index in LAYERS of a module of ours (None: no layer claims it)."""
    # "app": the package's own __init__; "export_controllers": a slice's second controllers module.
    if module == "app" or module.rsplit(".", 1)[-1].endswith("controllers"):
        return HTTP
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for layer, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def _describe(layer: int) -> str:
    return "the HTTP layer" if layer == HTTP else " / ".join(LAYERS[layer])


def our_modules() -> dict[str, Path]:
    """Every module under app/ and tasks/, by dotted name."""
    found = {}
    for top in ("app", "tasks"):
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imported_modules(module: str, source: str, known: set[str], is_package: bool = False) -> list[tuple[str, int]]:
    """(imported module of ours, line) for every import in the source, at any depth (function-level included)."""
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from app.review import controllers` imports a module; `from app.review.services import x` a name.
            found += [(f"{base}.{a.name}" if f"{base}.{a.name}" in known else base, node.lineno) for a in node.names]
    return [(name, line) for name, line in found if name.split(".")[0] in ("app", "tasks")]


def upward_imports(module: str, source: str, known: set[str], is_package: bool = False) -> list[str]:
    """What in this module's source breaks the layering, one sentence each (empty: it only imports downwards)."""
    own = layer_of(module)
    if own is None:
        return [f"{module} is in no layer: add its folder to LAYERS in {Path(__file__).name}"]
    problems = []
    for target, line in imported_modules(module, source, known, is_package):
        theirs = layer_of(target)
        if theirs is None:
            problems.append(f"{module} (line {line}) imports {target}, which is in no layer")
        elif theirs > own:
            problems.append(
                f"{module} (line {line}) imports {target}: {_describe(own)} may not import {_describe(theirs)}"
            )
    return problems


def _all_problems() -> list[str]:
    modules = our_modules()
    problems = []
    for module, path in modules.items():
        problems += upward_imports(module, path.read_text(), set(modules), path.name == "__init__.py")
    return problems


def test_every_module_of_app_and_tasks_imports_only_its_own_layer_or_lower():
    assert _all_problems() == []


@pytest.mark.parametrize(
    ("module", "source", "names"),
    [
        ("app.stripe_data.fake", "def f():\n    from app.review.services import prefill\n", "app.review.services"),
        ("app.clients.fake", "from app.stripe_data import matching\n", "app.stripe_data.matching"),
        ("app.stripe_data.fake", "from app.integrations import controllers\n", "app.integrations.controllers"),
        ("app.integrations.fake", "import tasks.sync\n", "tasks.sync"),
        ("tasks.fake", "from app.web.flash import flash\n", "app.web.flash"),
        ("app.review.fake", "from .. import summary\n", "app.summary"),
    ],
)
def test_the_checker_names_a_planted_upward_import(module, source, names):
    problems = upward_imports(module, source, set(our_modules()))
    assert len(problems) == 1 and module in problems[0] and names in problems[0] and "may not import" in problems[0]


def test_the_checker_lets_downward_and_same_layer_imports_through():
    source = (
        "from app.core.timeutil import utcnow\nfrom app.clients.tables import Client\n"
        "from app.integrations.tables import StripeConnection\nfrom app.stripe_data import events\nimport json\n"
    )
    assert upward_imports("app.stripe_data.fake", source, set(our_modules())) == []
    assert upward_imports("app.review.controllers", "from tasks.sync import run_backfill\n", set()) == []


def test_a_folder_no_layer_claims_is_reported():
    assert "app.newfeature.services is in no layer" in upward_imports("app.newfeature.services", "", set())[0]

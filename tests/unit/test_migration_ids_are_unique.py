"""Every Piccolo migration id is unique across apps.

`piccolo migrations backwards` forgets a reversed migration by its id alone, so two apps' migrations sharing an id
(it happened twice in one day: brief/stripe_data, brief/billing) reverse each other's record and make the next
`migrate` create a table twice.
"""

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _migration_ids() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "app").glob("*/piccolo_migrations/*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ID" for t in node.targets):
                found.append((ast.literal_eval(node.value), str(path.relative_to(ROOT))))
    return found


def test_every_migration_module_declares_an_id() -> None:
    modules = [p for p in (ROOT / "app").glob("*/piccolo_migrations/*.py") if p.name != "__init__.py"]
    assert len(_migration_ids()) == len(modules) > 0


def test_no_two_migrations_share_an_id() -> None:
    counts = Counter(migration_id for migration_id, _ in _migration_ids())
    shared = {i: [path for j, path in _migration_ids() if j == i] for i, n in counts.items() if n > 1}
    assert shared == {}

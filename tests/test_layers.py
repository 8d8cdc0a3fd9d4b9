"""The import rule of docs/architecture.md: nothing imports upwards.

Layers, lowest first: the base (``models``, ``access``, ``text``, ``embeds``, ``images``), then
``reader``, ``syndication``, ``editorial``, and ``ingest`` and ``demo`` on top. A
module may import from its own layer and those below. The wiring (``apps``,
``signals``, ``admin``, ``management``, ``migrations``) may import anything.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    "models": 0,
    "access": 0,
    "text": 0,
    "embeds": 0,
    "images": 0,
    "reader": 1,
    "syndication": 2,
    "editorial": 3,
    "ingest": 4,
    "demo": 4,
}
WIRING = {"apps", "signals", "admin", "management", "migrations", "__init__"}


def layer(module):
    parts = module.split(".")
    return LAYERS.get(parts[1]) if parts[0] == "articles" and len(parts) > 1 else None


def imports(path, package):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield node.lineno, [source] + [f"{source}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]


def test_every_part_of_articles_is_in_a_layer_or_the_wiring():
    for path in (ROOT / "articles").iterdir():
        name = path.stem
        if name.startswith(("_", ".")) and name != "__init__":
            continue
        assert name in LAYERS or name in WIRING, f"articles/{path.name}: add it to a layer"


def test_nothing_imports_upwards():
    upward = []
    for path in (ROOT / "articles").rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        module = ".".join(part for part in relative.parts if part != "__init__")
        mine = layer(module)
        if mine is None:
            continue
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        for line, targets in imports(path, package):
            for target in targets:
                theirs = layer(target)
                if theirs is not None and theirs > mine:
                    upward.append(f"{relative}.py:{line} imports {target}")
    assert not upward, "\n".join(upward)

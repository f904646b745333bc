"""The house's rules, read from the imports: features are folders, dependencies run one way.

A module's layer comes from where it sits and what it is called (README, "Where does it go"):

- core:     `bot/core/` (database, clock, i18n, text, Telegram plumbing)
- store:    `<feature>/store.py`, `*_store.py` (the SQL; rows as frozen dataclasses)
- model:    `model.py`, `*_model.py` (plain data a feature is made of, stores' rows included)
- context:  `bot/context.py` (the services, who is speaking)
- view:     `<feature>/views.py`, `*_views.py` (words: given data, return text)
- notice:   `<feature>/notices.py` (a queued notice in words, when the outbox sends it: reads
            what it names by id, then asks the views)
- handler:  `<feature>/handlers.py`, `*_handlers.py` (read the update, call the rules, reply)
- rule:     any other module of a feature (what the feature does)
- assembly: `bot/app.py`, `bot/__main__.py`, `bot/sandbox/` (puts the features together)
- emulator: `bot/emulator/` (a stand-in for Telegram, that knows no feature)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"

# What each layer may import (besides itself, the standard library and third parties).
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "store": {"core", "store"},
    "model": {"core", "store", "model"},
    "context": {"core", "store", "model"},
    "rule": {"core", "store", "model", "context", "rule"},
    "view": {"core", "store", "model", "view"},
    "notice": {"core", "store", "model", "context", "rule", "view", "notice"},
    "handler": {"core", "store", "model", "context", "rule", "view", "handler"},
    "assembly": {
        *("core", "store", "model", "context", "rule", "view", "notice", "handler"),
        *("assembly", "emulator"),
    },
    "emulator": {"emulator"},
}

# Known debts, each an import that breaks the rules and is to be removed; the test fails when one
# is gone (so the list only shrinks) and when a new one appears. None is left.
KNOWN: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> str:
    parts = module.split(".")
    if module in {"bot", "bot.app", "bot.__main__"} or parts[1:2] == ["sandbox"]:
        return "assembly"
    if parts[1] == "emulator":
        return "emulator"
    if parts[1] == "core":
        return "core"
    if module == "bot.context":
        return "context"
    if len(parts) == 2:  # a feature's __init__: it may only describe the feature
        return "core"
    name = parts[-1]
    kinds = (
        *(("store", "store"), ("model", "model"), ("view", "views"), ("notice", "notices")),
        ("handler", "handlers"),
    )
    for kind, word in kinds:
        if name == word or name.endswith(f"_{word}"):
            return kind
    return "rule"


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(BOT.rglob("*.py"))}


MODULES = modules()


def imports(module: str) -> Iterator[str]:
    """The Escale modules `module` imports, wherever the import statement sits."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # `from bot.x import y` imports bot.x.y when y is a module, else a name of bot.x
            names = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source
                for alias in node.names
            ]
        else:
            continue
        for name in names:
            if name == "bot" or name.startswith("bot."):
                while name not in MODULES:  # a name inside a module: keep the module
                    name = name.rsplit(".", 1)[0]
                if name != module:
                    yield name


GRAPH = {module: set(imports(module)) for module in MODULES}


def test_every_module_has_a_place() -> None:
    """Nothing sits flat in bot/ but the assembly and the context; every other module lives in
    a package of bot/ (core, a feature, the emulator, the sandbox), named for what it is."""
    packages = {p.name for p in BOT.iterdir() if (p / "__init__.py").is_file()}
    misplaced = sorted(
        module
        for module in MODULES
        if module not in {"bot", "bot.app", "bot.__main__", "bot.context"}
        and module.split(".")[1] not in packages
    )
    assert not misplaced, misplaced


def test_dependencies_run_one_way() -> None:
    broken = {
        (module, imported)
        for module, targets in GRAPH.items()
        for imported in targets
        if layer(imported) not in ALLOWED[layer(module)]
    }
    new = sorted(f"{m} ({layer(m)}) imports {i} ({layer(i)})" for m, i in broken - KNOWN)
    assert not new, "imports against the layers:\n" + "\n".join(new)
    repaid = sorted(f"{m} -> {i}" for m, i in KNOWN - broken)
    assert not repaid, "debts repaid, remove them from KNOWN:\n" + "\n".join(repaid)


def test_no_import_circles() -> None:
    circles = [cycle for cycle in _cycles(GRAPH) if len(cycle) > 1]
    assert not circles, "import circles:\n" + "\n".join(" -> ".join(c) for c in circles)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components (Tarjan), each a list of modules importing one another."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


@pytest.mark.parametrize(
    ("module", "expected"),
    [
        ("bot.core.db", "core"),
        ("bot.meetings.store", "store"),
        ("bot.negotiation.topics_store", "store"),
        ("bot.meetings.views", "view"),
        ("bot.negotiation.agreements_views", "view"),
        ("bot.meetings.handlers", "handler"),
        ("bot.general.text_handlers", "handler"),
        ("bot.meetings.reminders", "rule"),
        ("bot.meetings.notices", "notice"),
        ("bot.core.notices", "core"),
        ("bot.preparation.dialogue.engine", "rule"),
        ("bot.preparation.dialogue.model", "model"),
        ("bot.context", "context"),
        ("bot.app", "assembly"),
        ("bot.emulator.server", "emulator"),
    ],
)
def test_a_module_layer_comes_from_its_place_and_name(module: str, expected: str) -> None:
    assert layer(module) == expected


def test_the_checker_sees_a_wrong_import() -> None:
    """The rules are read from real imports: a view importing a handler is caught."""
    graph = {"bot.meetings.views": {"bot.meetings.handlers"}, "bot.meetings.handlers": set()}
    broken = [(m, i) for m, ts in graph.items() for i in ts if layer(i) not in ALLOWED[layer(m)]]
    assert broken == [("bot.meetings.views", "bot.meetings.handlers")]
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]

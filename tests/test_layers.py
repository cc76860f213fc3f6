"""The architecture, checked: imports point down only and never go round in a circle, and the
modules of loaders/ stay small. Walks the source with ast (nothing is imported), module-level and
function-level imports alike (a lazy import is still a dependency).

The layers, top to bottom (issue 9): app.py → pages → ui → {queries, loaders write API} → loaders
internals. queries reads only (it may import the store's connection, loaders.store.db, and the pure
helpers of loaders.common). Within loaders: cli → {setup, demo, api} → {ingest, reference, accounts,
outputs} → store → common.

The command line (loaders/__main__.py, loaders/cli/) is an entry point like the pages, not a library:
it sits on top and may read through queries, as the pages do (`briefing` and `remind` print numbers
the overview shows, so they read them with the same named queries). Nothing else of loaders imports
queries, ui, pages or streamlit; queries never imports the cli, so this adds no circle.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("loaders", "queries", "ui", "pages")

# Layer of a module: the first prefix that matches (longest prefixes first).
LAYER_OF = [
    ("app", "app"),
    ("pages", "pages"),
    ("ui", "ui"),
    ("queries", "queries"),
    ("loaders.api", "api"),
    ("loaders.__main__", "cli"),
    ("loaders.cli", "cli"),
    ("loaders.setup", "setup"),
    ("loaders.demo", "setup"),
    ("loaders.ingest", "domain"),
    ("loaders.reference", "domain"),
    ("loaders.accounts", "domain"),
    ("loaders.outputs", "domain"),
    ("loaders.store.db", "store_connection"),
    ("loaders.store", "store"),
    ("loaders.common", "common"),
    ("loaders", "common"),          # the package itself (loaders/__init__.py)
]

# What each layer may import: its own layer (no cycles, checked below) and the layers under it.
# "store_connection" (loaders.store.db) is part of the store; queries may import it and nothing
# else of loaders but common. The UI reaches loaders only through the write API (and common).
ALLOWED = {
    "app": {"pages", "ui", "api", "common"},
    "pages": {"ui", "queries", "api", "common"},
    "ui": {"ui", "queries", "api", "common"},
    "queries": {"queries", "store_connection", "common"},
    "cli": {"cli", "queries", "setup", "api", "domain", "store", "store_connection", "common"},
    "api": {"setup", "domain", "store", "store_connection", "common"},
    "setup": {"setup", "domain", "store", "store_connection", "common"},
    "domain": {"domain", "store", "store_connection", "common"},
    "store": {"store", "store_connection", "common"},
    "store_connection": {"store", "store_connection", "common"},
    "common": {"common"},
}
FORBIDDEN_IN_LOADERS = ("streamlit",)

# Imports against the layers that another change is removing right now (as of main when this test
# was written): (module, imported module) → why. Expected to shrink to empty; an entry that is gone
# from the code must leave the list (test_pending_lists_only_what_is_still_there).
PENDING_LAYERS: dict[tuple[str, str], str] = {}

# Size limits of loaders/ (issue 9): modules up to 600 lines, functions up to 80 lines; data tables
# (a module-level literal) do not count. PENDING_SPLIT: what other helpers are splitting right now
# (as of main when this test was written); it is expected to shrink to empty.
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80
PENDING_SPLIT: dict[str, str] = {}


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            found[_module_name(p)] = p
    return found


MODULES = modules()


def layer(module: str) -> str:
    for prefix, name in LAYER_OF:
        if module == prefix or module.startswith(prefix + "."):
            return name
    raise AssertionError(f"{module}: no layer (add it to LAYER_OF in {__file__})")


def _resolve(name: str) -> str | None:
    """The project module an import names (a name imported from a package may be a module)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(module: str) -> list[tuple[str, int]]:
    """(imported module, line) for every import of the module: project modules and streamlit."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FORBIDDEN_IN_LOADERS:
                out.append((name.split(".")[0], node.lineno))
            target = _resolve(name)
            if target and target != module:
                out.append((target, node.lineno))
    return out


GRAPH = {m: imports(m) for m in MODULES}


def test_every_module_has_a_layer():
    for m in MODULES:
        layer(m)


def test_imports_point_down_only():
    upward = []
    for m, targets in GRAPH.items():
        for target, line in targets:
            if target in FORBIDDEN_IN_LOADERS:
                if m.startswith("loaders"):
                    upward.append(f"{MODULES[m].relative_to(ROOT)}:{line} imports {target}")
                continue
            if layer(target) not in ALLOWED[layer(m)] and (m, target) not in PENDING_LAYERS:
                upward.append(f"{MODULES[m].relative_to(ROOT)}:{line} ({layer(m)}) imports {target} "
                              f"({layer(target)})")
    assert not upward, "imports against the layers:\n" + "\n".join(upward)


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each a cycle or several."""
    edges = {m: sorted({t for t, _ in ts if t in MODULES and (m, t) not in PENDING_LAYERS})
             for m, ts in GRAPH.items()}
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    return out


def test_pending_lists_only_what_is_still_there():
    present = {(m, t) for m, ts in GRAPH.items() for t, _ in ts}
    assert set(PENDING_LAYERS) <= present, sorted(set(PENDING_LAYERS) - present)


# -- the write API hands out named functions, classes and constants, never a module ----------------

API = "loaders.api"
UI_LAYERS = ("app", "pages", "ui")


def _api_all() -> list[str]:
    """The names loaders/api.py declares in __all__ (read with ast, like the rest of this file)."""
    tree = ast.parse(MODULES[API].read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError("loaders/api.py declares no __all__")


def _api_names_used(module: str) -> list[tuple[str, int]]:
    """(name, line) of everything a module takes from the write API: `from loaders.api import X`
    and `api.X` after `from loaders import api` (or `import loaders.api as api`)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    used, aliases = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == API:
            used += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module == "loaders":
            aliases |= {a.asname or a.name for a in node.names if a.name == "api"}
        elif isinstance(node, ast.Import):
            aliases |= {a.asname for a in node.names if a.name == API and a.asname}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            used.append((node.attr, node.lineno))
    return used


def test_api_exports_no_module():
    # a module handed out through the API would open every function of its room to the UI
    import importlib
    import inspect

    api = importlib.import_module(API)
    names = _api_all()
    missing = [n for n in names if not hasattr(api, n)]
    assert not missing, f"loaders/api.py __all__ names what it does not define: {missing}"
    modules_out = [n for n in names if inspect.ismodule(getattr(api, n))]
    assert not modules_out, f"loaders/api.py exports whole modules (export named functions): {modules_out}"


def test_ui_uses_only_what_the_api_exports():
    exported = set(_api_all())
    outside = [f"{MODULES[m].relative_to(ROOT)}:{line} uses loaders.api.{name}"
               for m in MODULES if layer(m) in UI_LAYERS
               for name, line in _api_names_used(m) if name not in exported]
    assert not outside, "the UI uses names loaders/api.py does not export (add a named function to " \
                        "the API and its __all__):\n" + "\n".join(outside)


def test_no_import_cycle():
    cycles = _cycles()
    assert not cycles, "import cycles (module-level or function-level):\n" + "\n".join(
        " ↔ ".join(c) for c in cycles)


def _is_data_table(node: ast.stmt) -> bool:
    value = getattr(node, "value", None)
    return isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
        value, (ast.Dict, ast.List, ast.Tuple, ast.Set, ast.Constant, ast.Call))


def _sizes(path: Path) -> tuple[int, list[tuple[str, int]]]:
    """Lines of the module without its module-level data tables, and (function, lines) of every
    function and method."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    table_lines = sum(n.end_lineno - n.lineno + 1 for n in tree.body if _is_data_table(n))
    functions = []

    def walk(node, prefix=""):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                first = child.decorator_list[0].lineno if child.decorator_list else child.lineno
                functions.append((name, child.end_lineno - first + 1))
                walk(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                walk(child, prefix + child.name + ".")
    walk(tree)
    return len(text.splitlines()) - table_lines, functions


def test_loaders_modules_and_functions_stay_small():
    big = []
    for m, path in MODULES.items():
        if not m.startswith("loaders"):
            continue
        lines, functions = _sizes(path)
        if lines > MAX_MODULE_LINES and m not in PENDING_SPLIT:
            big.append(f"{m}: {lines} lines (at most {MAX_MODULE_LINES})")
        for name, n in functions:
            if n > MAX_FUNCTION_LINES and f"{m}:{name}" not in PENDING_SPLIT:
                big.append(f"{m}:{name}: {n} lines (at most {MAX_FUNCTION_LINES})")
    assert not big, "too big (split it, or while another change splits it list it in PENDING_SPLIT):\n" \
        + "\n".join(big)


def test_pending_split_lists_only_what_is_still_too_big():
    # an entry that was split (or removed) must leave the list, so that it shrinks to empty
    still = set()
    for m, path in MODULES.items():
        if not m.startswith("loaders"):
            continue
        lines, functions = _sizes(path)
        if lines > MAX_MODULE_LINES:
            still.add(m)
        still |= {f"{m}:{name}" for name, n in functions if n > MAX_FUNCTION_LINES}
    assert set(PENDING_SPLIT) <= still, sorted(set(PENDING_SPLIT) - still)

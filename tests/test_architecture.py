"""The structure is a test that fails, not a wish in a doc (docs/architecture.md).

* The layer contracts of pyproject.toml ([tool.importlinter]) hold (`lint-imports`, also
  run by .ci/run).
* No import circle anywhere in the project: the module import graph (grimp, the library
  under import-linter) has no strongly connected component of more than one module.
* No import inside a function to dodge a circle: the only ones allowed are an
  AppConfig's, whose module Django imports before the models are ready.
* No module over ~400 lines outside migrations and tests without a reason at its top.
"""

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["api", "bidding", "config", "ledger", "trading"]
# (module file, function): imports inside it that are allowed, and why.
FUNCTION_IMPORTS_ALLOWED = {
    ("ledger/apps.py", "ready"): "an AppConfig's ready(): ledger.db uses the models",
    ("trading/apps.py", "_reference_data"): "an AppConfig's post_migrate handler: rulesets and workdays use the models",
    ("bidding/apps.py", "ready"): "an AppConfig's ready(): bidding.todos uses the models",
    ("trading/apps.py", "ready"): "an AppConfig's ready(): registers the Celery tasks, which use the models",
    ("trading/procedures/asset_sale/services/confirmation.py", "confirmation_pdf"):
        "WeasyPrint takes 1.5 s to import: loaded when a confirmation is made, not at every process start",
}
LONG_MODULE_LINES = 400


def python_files():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts and path.name != "gunicorn.conf.py":
                yield path


def test_the_import_contracts_hold():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports")], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def strongly_connected(graph, modules):
    """Tarjan's algorithm over the import graph restricted to `modules`."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]

    def visit(module):
        index[module] = low[module] = counter[0]
        counter[0] += 1
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in modules:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))
    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_there_is_no_import_circle():
    graph = grimp.build_graph(*PACKAGES)
    modules = {m for m in graph.modules if not m.split(".")[-1].startswith("00")}  # not migrations
    cycles = [c for c in strongly_connected(graph, modules) if len(c) > 1]
    assert cycles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_finder_finds_a_cycle():
    """The check above can fail: a made-up graph with a circle is caught."""
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(module)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.y", imported="a.z")
    assert [c for c in strongly_connected(graph, {"a.x", "a.y", "a.z"}) if len(c) > 1] == [["a.x", "a.y"]]


def function_imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    yield node.name, inner.lineno


def test_no_import_hides_inside_a_function():
    found = []
    for path in python_files():
        relative = path.relative_to(ROOT).as_posix()
        for function, line in function_imports(path):
            if (relative, function) not in FUNCTION_IMPORTS_ALLOWED:
                found.append(f"{relative}:{line} in {function}()")
    assert found == [], "imports inside functions (move them to the top, or fix the circle they dodge): " + \
        ", ".join(found)


@pytest.mark.parametrize("source, expected", [
    ("def f():\n    import os\n", [("f", 2)]),
    ("import os\n\ndef f():\n    return os\n", []),
])
def test_the_function_import_finder_finds_them(tmp_path, source, expected):
    path = tmp_path / "m.py"
    path.write_text(source)
    assert list(function_imports(path)) == expected


def test_a_long_module_says_why_at_its_top():
    long_without_reason = []
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG_MODULE_LINES and "Why this module is long" not in text[:3000]:
            long_without_reason.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert long_without_reason == [], "modules over ~400 lines without a reason at the top: " + \
        ", ".join(long_without_reason)

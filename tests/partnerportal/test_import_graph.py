"""The import graph inside each app: no cycle, and no import of the project's own code put off into a function.

import-linter (``.importlinter``) keeps the layers between the apps and inside offers; grimp, the
graph it is built on, shows what a contract cannot say for every module at once: a cycle between
two modules of one app. Imports inside functions are edges of the graph too, so moving one end of
a cycle into a function does not hide it; and such an import is refused on its own unless it must
wait for the app registry (``AppConfig.ready()``) or is listed below with its reason. ``make lint``
runs this module.
"""

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("support", "offers", "billing", "membership", "partnerportal")

# (file, function) allowed to import the project's own code when called, and why.
DEFERRED_IMPORTS_ALLOWED = {
    # Django loads the database backend before the app registry is ready: no model at import time.
    ("partnerportal/db/backends/versions_at_commit.py", "write_versions"),
}


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, cache_dir=None)


def _cycles(graph, app):
    """The strongly connected components of more than one module among the app's modules (Tarjan)."""
    modules = sorted(m for m in graph.modules if m == app or m.startswith(app + "."))
    inside = set(modules)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & inside) for m in modules}
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in edges[module]:
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
            if len(component) > 1:
                found.append(sorted(component))

    for module in modules:
        if module not in index:
            visit(module)
    return found


def _describe(graph, component):
    """Each import of the cycle with its line, so the message says what to move."""
    members = set(component)
    lines = []
    for importer in component:
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
            for detail in graph.get_import_details(importer=importer, imported=imported):
                lines.append("  %s:%s  %s" % (importer, detail["line_number"], detail["line_contents"]))
    return "\n".join(lines)


@pytest.mark.parametrize("app", APPS)
def test_no_import_cycle_inside_an_app(graph, app):
    cycles = _cycles(graph, app)
    assert cycles == [], "import cycle(s) in %s:\n%s" % (
        app,
        "\n\n".join(_describe(graph, component) for component in cycles),
    )


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported_names(node, module: str, is_package: bool) -> list[str]:
    """The absolute module names an import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level == 0:
        return [node.module]
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return [".".join(base + ([node.module] if node.module else []))]


def _deferred_imports(path: Path):
    """(function, line, imported module) for each import of the project's code inside a function."""
    module = _module_name(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []

    def walk(node, function, classes):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                walk(child, function or (classes, child.name), classes)
            elif isinstance(child, ast.ClassDef):
                walk(child, function, classes + (child,))
            elif isinstance(child, ast.Import | ast.ImportFrom) and function is not None:
                for name in _imported_names(child, module, path.name == "__init__.py"):
                    if name.split(".")[0] in APPS:
                        found.append((function, child.lineno, name))
            else:
                walk(child, function, classes)

    walk(tree, None, ())
    return found


def _ready_of_an_app_config(path: Path, function) -> bool:
    classes, name = function
    return (
        path.name == "apps.py"
        and name == "ready"
        and any(ast.unparse(base).endswith("AppConfig") for cls in classes for base in cls.bases)
    )


def test_no_import_of_the_project_inside_a_function():
    refused = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for function, line, imported in _deferred_imports(path):
                if _ready_of_an_app_config(path, function) or (relative, function[1]) in DEFERRED_IMPORTS_ALLOWED:
                    continue
                refused.append("%s:%s in %s() imports %s" % (relative, line, function[1], imported))
    assert refused == [], (
        "Import at the top of the module; if that makes a cycle, the modules' jobs are tangled:\n" + "\n".join(refused)
    )

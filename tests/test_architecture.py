"""The domain does not branch on providers, and integrations does not import the apps it serves.

Read from the source (AST, not regular expressions, so comments and docstrings do not count):
- returns/, warehouses/ and integrations/services/ never compare with a provider (`Provider.X`,
  a provider slug literal in ==, in, match or a dispatch dict) and never import a provider's
  folder: provider knowledge is read through integrations.registry;
- integrations never imports returns' or warehouses' services (they register handlers instead).
Each checker is first shown to catch a violation, so the tests cannot pass by checking nothing.
"""

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

from integrations.handlers import inbound_event_handler, inbound_event_types
from integrations.inbound import IgnoredEvent, Payload
from integrations.registry import PROVIDER_SLUGS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ("returns", "warehouses", "integrations/services")
SLUGS = set(PROVIDER_SLUGS)
# Names a provider enum would have (the registry has none, but a new one must not creep in).
PROVIDER_MEMBERS = {slug.upper() for slug in SLUGS}


def _python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _is_provider(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant) and node.value in SLUGS:
        return True
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "Provider":
        return node.attr in PROVIDER_MEMBERS
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_provider(element) for element in node.elts)
    return False


def provider_branches(source: str) -> list[str]:
    """Every place that names a provider to decide something: line number and what it is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and _is_provider(node):
            found.append(f"{line}: Provider.{node.attr}")
        elif isinstance(node, ast.Compare) and any(_is_provider(n) for n in (node.left, *node.comparators)):
            found.append(f"{line}: comparison with a provider slug")
        elif isinstance(node, ast.MatchValue) and _is_provider(node.value):
            found.append(f"{line}: match case on a provider")
        elif isinstance(node, ast.Dict) and any(key is not None and _is_provider(key) for key in node.keys):
            found.append(f"{line}: table keyed by provider")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("integrations.providers."):
            if (node.module or "").split(".")[2] in SLUGS:
                found.append(f"{line}: imports {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[:2] == ["integrations", "providers"] and len(parts) > 2 and parts[2] in SLUGS:
                    found.append(f"{line}: imports {alias.name}")
    return found


def imported_modules(source: str) -> list[str]:
    """Every module imported anywhere in the source, inside functions too."""
    modules = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.append(node.module)
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
    return modules


@pytest.mark.parametrize(
    "snippet",
    [
        "if connection.provider == Provider.LOOP: pass",
        "if platform == 'redo': pass",
        "ok = provider in ('shipmonk', 'trackstar')",
        "match provider:\n    case 'shipstream': pass",
        "LABELS = {'loop': 'API key'}",
        "from integrations.providers.loop.mappers import return_event",
        "import integrations.providers.redo.client",
    ],
)
def test_the_checker_catches_a_provider_branch(snippet: str) -> None:
    assert provider_branches(snippet), snippet


def test_the_checker_lets_neutral_code_pass() -> None:
    neutral = "declaration = get_declaration(connection.provider)\nif declaration.supports_cancel: pass\n"
    assert provider_branches(neutral) == []


def test_the_domain_never_branches_on_a_provider() -> None:
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in _python_files(*DOMAIN)
        if (found := provider_branches(path.read_text()))
    }
    assert offenders == {}


def test_the_import_checker_sees_imports_inside_functions() -> None:
    source = "def f():\n    from returns.services import intake\n"
    assert "returns.services.intake" in imported_modules(source)


def test_integrations_never_imports_the_services_of_returns_or_warehouses() -> None:
    forbidden = ("returns.services", "warehouses.services")
    offenders = {
        str(path.relative_to(ROOT)): sorted({m for m in imported_modules(path.read_text()) if m.startswith(forbidden)})
        for path in _python_files("integrations")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_every_neutral_event_has_a_handler_registered_by_an_app() -> None:
    handled = set(get_args(Payload)) - {IgnoredEvent}
    assert set(inbound_event_types()) == handled
    with pytest.raises(LookupError):
        inbound_event_handler(IgnoredEvent)


def test_selectors_only_read() -> None:
    """A row lock is a write's business: selectors never take one (rma_lock_for_push is a service)."""
    locking = {
        str(path.relative_to(ROOT))
        for path in _python_files("integrations", "returns", "warehouses")
        if path.name == "selectors.py"
        if "select_for_update"
        in {n.attr for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Attribute)}
    }
    assert locking == set()


# -- import loops ---------------------------------------------------------------------------------------

PROJECT = ("config", "integrations", "returns", "warehouses")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Line numbers of imports inside `if TYPE_CHECKING:` blocks (no import happens at run time)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {getattr(inner, "lineno", 0) for inner in ast.walk(node)}
    return lines


def import_graph(paths: dict[str, str]) -> dict[str, set[str]]:
    """module → the project modules it imports anywhere (inside functions too), from module name → source."""
    known = set(paths)

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, source in paths.items():
        tree = ast.parse(source)
        skipped = _type_checking_only(tree)
        targets: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", 0) in skipped:
                continue
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                target = resolve(name)
                if target and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def import_loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    loops: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        loops.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return loops


def test_the_loop_finder_sees_a_loop_through_a_function_level_import() -> None:
    sources = {
        "a.services": "from a.models import Thing\n",
        "a.models": "def f():\n    from a.tasks import run\n",
        "a.tasks": "import a.services\n",
        "a.other": "from a.models import Thing\n",
    }
    assert import_loops(import_graph(sources)) == [["a.models", "a.services", "a.tasks"]]
    sources["a.tasks"] = "if TYPE_CHECKING:\n    import a.services\n"
    assert import_loops(import_graph(sources)) == []


def test_the_project_has_no_import_loops() -> None:
    sources = {_module_name(path): path.read_text() for path in _python_files(*PROJECT)}
    assert import_loops(import_graph(sources)) == []


MODULE_MAX_LINES = 500


def _long_modules(root: Path) -> dict[str, int]:
    """Modules of the apps over MODULE_MAX_LINES lines (migrations are generated, so they do not count)."""
    found: dict[str, int] = {}
    for folder in ("config", "integrations", "returns", "warehouses"):
        if not (root / folder).is_dir():
            continue
        for path in (root / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            count = len(path.read_text().splitlines())
            if count > MODULE_MAX_LINES:
                found[str(path.relative_to(root))] = count
    return found


def test_the_line_counter_sees_a_long_module(tmp_path: Path) -> None:
    (tmp_path / "returns").mkdir()
    (tmp_path / "returns" / "big.py").write_text("x = 1\n" * (MODULE_MAX_LINES + 1))
    (tmp_path / "returns" / "migrations").mkdir()
    (tmp_path / "returns" / "migrations" / "0001_initial.py").write_text("x = 1\n" * 2000)
    assert _long_modules(tmp_path) == {"returns/big.py": MODULE_MAX_LINES + 1}


def test_no_module_does_more_than_one_job_by_size() -> None:
    """A module over 500 lines is split by job (issue 23): a package, as returns/models/ is."""
    assert _long_modules(ROOT) == {}

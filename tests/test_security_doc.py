"""docs/security.md names a test for each cell of its role table: every test it names exists, and every
`api[<role>-<operation>]` is a case of tests/api/test_roles.py::test_api_role."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "security.md").read_text()
ALIASES = {"setup::": "tests/setup/test_roles.py::", "admin::": "tests/test_admin_roles.py::"}


def _named_tests() -> list[str]:
    found = []
    for span in re.findall(r"`([^`]+)`", DOC):
        for alias, path in ALIASES.items():
            if span.startswith(alias):
                span = path + span[len(alias) :]
        if span.startswith("api["):
            span = f"tests/api/test_roles.py::test_api_role[{span[4:]}"
        if span.startswith("tests/") and "::" in span:
            found.append(span)
    return found


def test_the_role_table_names_tests() -> None:
    assert len(_named_tests()) > 100


def test_every_named_test_exists() -> None:
    missing = []
    for node in _named_tests():
        path, name = node.split("::", 1)
        function = name.split("[", 1)[0]
        source = ROOT / path
        if not source.exists() or not re.search(rf"^def {re.escape(function)}\(", source.read_text(), re.M):
            missing.append(node)
    assert missing == []


def test_every_api_cell_is_a_case_of_the_role_matrix() -> None:
    from tests.api.test_roles import CASES

    ids = {f"{role}-{name}" for role, name in CASES}
    named = [n.split("[", 1)[1].rstrip("]") for n in _named_tests() if "::test_api_role[" in n]
    assert named
    assert sorted(set(named) - ids) == []

"""A provider is a folder and one line: copy ShipStream's folder as "AcmeWMS", name it in the registry, and nothing
else changes (issue 23's test, run on a copy of the project so this tree is never touched).

In the copy: `manage.py check` and `makemigrations --check` pass; then the tests that run over every registered
provider (the API creates its connection, the wizard offers it with its own fields, its sandbox fake answers, the
end-to-end push through the sandbox) run against AcmeWMS, in a process of their own on SQLite.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# What the copy leaves out: not source (the virtualenv, run data, caches, git's own files).
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "var", "staticfiles", "__pycache__", "node_modules", "*.pyc")
SPELLINGS = (("shipstream", "acmewms"), ("ShipStream", "AcmeWMS"), ("SHIPSTREAM", "ACMEWMS"))

pytestmark = [pytest.mark.timeout(600)]


def _add_provider(project: Path) -> None:
    """What the issue says a developer does: copy the folder, rename inside the copied files, add one line."""
    source, target = project / "integrations/providers/shipstream", project / "integrations/providers/acmewms"
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        if path.is_file():
            text = path.read_text()
            for old, new in SPELLINGS:
                text = text.replace(old, new)
            path.write_text(text)
    registry = project / "integrations/registry.py"
    one_line = r'\1"shipstream",\n\1"acmewms",\n'
    text, count = re.subn(r'^(\s*)"shipstream",\n', one_line, registry.read_text(), flags=re.M)
    assert count == 1, "registry.PROVIDER_SLUGS names each slug on a line of its own"
    registry.write_text(text)


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env["DJANGO_SETTINGS_MODULE"] = "config.django.test"
    return subprocess.run(  # noqa: S603 - our own interpreter on the copy of our own project
        [sys.executable, *args], cwd=project, env=env, capture_output=True, text=True, timeout=540, check=False
    )


def test_a_copied_provider_folder_and_one_line_make_a_working_provider(tmp_path: Path) -> None:
    project = tmp_path / "backhaul"
    shutil.copytree(ROOT, project, ignore=NOT_SOURCE, symlinks=True)
    _add_provider(project)

    where = _run(project, "-c", "import integrations; print(integrations.__file__)")
    assert where.stdout.strip().startswith(str(project)), where.stdout + where.stderr  # the copy, not this tree
    check = _run(project, "manage.py", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    migrations = _run(project, "manage.py", "makemigrations", "--check", "--dry-run")
    assert migrations.returncode == 0, migrations.stdout + migrations.stderr

    tests = _run(
        project,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-k",
        "acmewms",
        "tests/integrations/test_every_provider.py",
        "tests/integrations/test_registry.py",
        "tests/integrations/sandbox/test_layout.py",
        "tests/e2e/test_clients_against_sandbox.py",
    )
    summary = tests.stdout.strip().splitlines()[-1] if tests.stdout.strip() else tests.stderr
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
    # The API, the wizard, the sandbox fake, the registry's checks of the declaration and the push end to end.
    assert passed >= 10, summary
    assert "failed" not in summary, summary

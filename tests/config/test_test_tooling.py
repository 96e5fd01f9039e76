"""The test tooling itself: a hung test fails instead of stalling CI; worker tests get a longer limit."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def test_the_global_timeout_is_configured(request: pytest.FixtureRequest) -> None:
    assert float(request.config.getini("timeout")) == 120


def test_a_hung_test_fails_and_a_worker_test_gets_the_longer_limit(tmp_path: Path) -> None:
    (tmp_path / "test_hangs.py").write_text(
        "import time\n"
        "import pytest\n\n\n"
        "def test_plain_hangs():\n"
        "    time.sleep(30)\n\n\n"
        "@pytest.mark.worker\n"
        "def test_worker_takes_its_time():\n"
        "    time.sleep(3)\n"
    )
    # The project's configuration and conftest hooks, with the global limit lowered to 1 s.
    result = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "pytest",
            "-c",
            str(REPO / "pyproject.toml"),
            "--rootdir",
            str(REPO),
            "-p",
            "tests.conftest",
            "-p",
            "no:cacheprovider",
            "-o",
            "timeout=1",
            "-q",
            str(tmp_path / "test_hangs.py"),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    assert "1 failed, 1 passed" in result.stdout, result.stdout[-2000:]
    assert "Timeout (>1.0s)" in result.stdout
    assert "test_plain_hangs" in result.stdout.split("short test summary")[-1]

"""The package type-checks and lints clean, as configured in pyproject.toml.

``mypy`` (strict on the stages' subpackages) and ``ruff`` run exactly as a
developer runs them from the repository root, so a plain ``mypy`` or
``ruff check`` there gives the same verdict.
"""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, cwd=ROOT, timeout=900)


def test_mypy_passes_on_the_package() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success: no issues found" in done.stdout


def test_ruff_passes_on_the_whole_tree() -> None:
    done = _run("ruff", "check", "packager", "tests", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr

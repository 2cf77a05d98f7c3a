"""The data flow stays one-directional: the receiving side never loads the writer."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(m for m in sys.modules if m.startswith('packager')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(out.stdout.split())


def test_validator_never_imports_the_bag_writer_or_the_pipeline() -> None:
    loaded = loaded_after("packager.validate")
    assert "packager.metacheck" in loaded and "packager.bagit_check" in loaded
    assert not loaded & {"packager.bagging", "packager.bagging_format", "packager.pipeline", "packager.analyse"}


def test_bag_writer_never_imports_the_validator() -> None:
    loaded = loaded_after("packager.bagging")
    assert not {m for m in loaded if m.startswith("packager.bagit_") or m in ("packager.validate",
                                                                          "packager.metacheck")}

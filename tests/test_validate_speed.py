"""How the validator goes fast, held to what it must not change: the findings.

Workers hash files and check images side by side; the report must be the
same, in the same order, whatever their number. Each file is read once for
all its algorithms; the metadata layer runs one ExifTool session per worker
and closes those it started; importing the validator loads none of the
libraries only the metadata layer or archives need. No timing is asserted
(benchmarks/ measures those).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from packager.files import exiftool as exiftool_module
from packager.validate import hashpool
from packager.validate.validator import validate

from .conftest import ROOT


def tamper(bag: Path) -> None:
    """Damage of every kind, spread over the bag: checksums, embedded tags, pixels, sidecars."""
    objects = sorted((bag / "data" / "objects").iterdir())
    for image in objects[:3]:
        image.write_bytes(image.read_bytes() + b"tail")  # E503
    for image in objects[5:20:4]:
        subprocess.run(["exiftool", "-q", "-overwrite_original", f"-XMP-dc:Description=Changed {image.name}",
                        str(image)], check=True)  # E603 (and E503)
    data = bytearray(objects[22].read_bytes())
    data[-200] ^= 0xFF  # a bit of the scan data: E607 (and E503)
    objects[22].write_bytes(bytes(data))
    (bag / "data" / "extra.txt").write_text("unlisted\n", encoding="utf-8")  # E505, E506


def test_the_report_is_the_same_whatever_the_workers(sample_bag: Path) -> None:
    tamper(sample_bag)
    reports = [validate(sample_bag, workers=n) for n in (1, 2, 5)]
    shown = [[(p.code, p.path, p.line, p.message) for p in r.problems] for r in reports]
    assert shown[0] == shown[1] == shown[2]
    assert {"E503", "E505", "E506", "E603", "E607"} <= {p.code for p in reports[0].problems}


def test_each_file_is_read_once_for_all_its_algorithms(sample_bag: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[tuple[str, tuple[str, ...]]] = []
    real = hashpool.digest_file

    def counted(path: str | Path, algorithms: Any) -> dict[str, str]:
        reads.append((Path(path).relative_to(sample_bag).as_posix(), tuple(algorithms)))
        return real(path, algorithms)

    monkeypatch.setattr(hashpool, "digest_file", counted)
    report = validate(sample_bag, metadata=False, workers=3)
    assert report.valid
    paths = [p for p, _ in reads]
    assert len(paths) == len(set(paths))  # once each
    payload = {p for p in paths if p.startswith("data/")}
    assert len(payload) == report.bagit.payload_files
    assert all(algorithms == ("sha256", "sha512") for p, algorithms in reads if p in payload)


def test_one_exiftool_session_per_worker_and_those_started_are_closed(sample_bag: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[exiftool_module.ExifToolSession] = []

    class Counted(exiftool_module.ExifToolSession):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(exiftool_module, "ExifToolSession", Counted)
    assert validate(sample_bag, workers=3).valid
    assert len(started) == 3 and all(s._process is None for s in started)

    started.clear()
    with Counted() as given:
        assert validate(sample_bag, workers=2, exiftool=given).valid
        assert given._process is not None  # the caller's session is used, not closed
        assert len(started) == 2 and started[1]._process is None


def test_importing_the_validator_loads_no_library_it_may_not_use() -> None:
    heavy = ("lxml", "PIL", "exiftool", "ijson", "pillow_heif", "multiprocessing", "tarfile", "zipfile")
    code = ("import sys, packager.validate.validator; "
            f"print(' '.join(m for m in {heavy!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == []

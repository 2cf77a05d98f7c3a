"""The writer's own check after writing: validate(..., proven=Proven(...)).

A :class:`Proven` carries what the writing run measured (payload digests, the
tags read back from each image, pixel digests). The check takes those in place
of reading the files again, and must still compare them with the manifests and
sidecars exactly as a normal validation does: a wrong value in a Proven is
reported like a changed file, and nothing the Proven covers is measured again
(no payload file hashed, no ExifTool started, no pixel digest computed).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from packager.files.exiftool import ExifToolSession
from packager.files.pixels import pixel_digest
from packager.model import Issue
from packager.validate import hashpool, images
from packager.validate.proven import Proven
from packager.validate.validator import validate

IMAGE = "data/objects/Surv - 007.jpg"


def manifest_digests(bag: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for algorithm in ("sha256", "sha512"):
        for line in (bag / f"manifest-{algorithm}.txt").read_text(encoding="utf-8").splitlines():
            digest, path = line.split("  ", 1)
            found.setdefault(path, {})[algorithm] = digest
    return found


def measured(bag: Path) -> Proven:
    """What a writer would hand over: digests, read-back tags and pixel digests of the bag as it is."""
    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    digests = {rel: hashpool.digest_file(bag / rel, ["sha256", "sha512"]) for rel in payload}
    objects = [rel for rel in payload if rel.startswith("data/objects/")]
    with ExifToolSession() as et:
        read = dict(zip(objects, et.read_many([bag / rel for rel in objects]), strict=True))
    records = _records(bag)
    pixels = {rel: pixel_digest(bag / rel, like=records.get(rel)) for rel in objects}
    return Proven(digests, lambda paths: [read[p] for p in paths], pixels)


def _records(bag: Path) -> dict[str, str]:
    import json

    doc = json.loads((bag / "data/metadata/records.json").read_text(encoding="utf-8"))
    return {i["payload"]: i["pixel_sha256"] for i in doc["items"]}


def keyed(problems: tuple[Issue, ...]) -> list[tuple[str, str | None]]:
    return [(p.code, p.path) for p in problems]


@pytest.fixture
def proven(sample_bag: Path) -> Proven:
    return measured(sample_bag)


@pytest.fixture
def no_measuring(proven: Proven, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Once ``proven`` is made: ExifTool cannot start, no pixel digest can be computed;
    returns the files hashed from then on."""
    monkeypatch.setenv("PACKAGER_EXIFTOOL", "/nonexistent/exiftool")
    hashed: list[str] = []
    real = hashpool.digest_file

    def record(path: str | Path, algorithms: Any) -> dict[str, str]:
        hashed.append(Path(path).as_posix())
        return real(path, algorithms)

    def refuse(*args: object, **kwargs: object) -> str:
        raise AssertionError("a pixel digest was computed")

    monkeypatch.setattr(hashpool, "digest_file", record)
    monkeypatch.setattr(images, "pixel_digest", refuse)
    return hashed


def test_a_true_proven_passes_without_measuring_anything_it_covers(sample_bag: Path, proven: Proven,
                                                                  no_measuring: list[str]) -> None:
    report = validate(sample_bag, proven=proven)
    assert report.valid and report.problems == () and report.incomplete is None
    assert report.metadata_checked
    assert no_measuring and not [p for p in no_measuring if "/data/" in p]  # only tag files were hashed


def test_a_wrong_payload_digest_is_a_checksum_mismatch(sample_bag: Path, proven: Proven,
                                                       no_measuring: list[str]) -> None:
    digests = {rel: dict(d) for rel, d in proven.payload_digests.items()}
    digests[IMAGE]["sha512"] = "0" * 128
    report = validate(sample_bag, proven=Proven(digests, proven.tags, proven.pixel_digests))
    assert keyed(report.problems) == [("E503", IMAGE)]
    assert "manifest-sha512.txt" in report.problems[0].message


@pytest.mark.parametrize("tag, value, code", [
    ("XMP-dc:Description", "Not what was written.", "E603"),  # against the record (and its IIM, EXIF mirrors)
    ("IPTC:CodedCharacterSet", "Latin", "E610"),  # against the tags records.json says were written
])
def test_a_wrong_tag_is_a_disagreement_with_the_sidecars(sample_bag: Path, proven: Proven, no_measuring: list[str],
                                                         tag: str, value: str, code: str) -> None:
    def tags(paths: list[str]) -> list[dict[str, Any]]:
        found = proven.tags(paths)
        return [dict(t, **{tag: value}) if p == IMAGE else t for p, t in zip(paths, found, strict=True)]

    report = validate(sample_bag, proven=Proven(proven.payload_digests, tags, proven.pixel_digests))
    assert report.problems and {p.path for p in report.problems} == {IMAGE}
    assert code in {p.code for p in report.problems}


def test_a_wrong_pixel_digest_is_changed_pixels(sample_bag: Path, proven: Proven, no_measuring: list[str]
                                                ) -> None:
    pixels = dict(proven.pixel_digests)
    pixels[IMAGE] = "jpeg:" + "0" * 64
    report = validate(sample_bag, proven=Proven(proven.payload_digests, proven.tags, pixels))
    assert keyed(report.problems) == [("E607", IMAGE)]


def test_what_a_proven_leaves_out_is_measured(sample_bag: Path) -> None:
    proven = measured(sample_bag)
    image = sample_bag / IMAGE
    image.write_bytes(image.read_bytes() + b"tail")  # changed after the proven was made
    digests = {rel: d for rel, d in proven.payload_digests.items() if rel != IMAGE}
    pixels = {rel: d for rel, d in proven.pixel_digests.items() if rel != IMAGE}
    report = validate(sample_bag, proven=Proven(digests, proven.tags, pixels))
    assert ("E503", IMAGE) in keyed(report.problems)  # hashed, since the proven does not cover it


def test_a_proven_of_the_bag_as_it_is_reports_what_a_normal_validation_reports(sample_bag: Path,
                                                                              tmp_path: Path) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=A different story.",
                    str(sample_bag / IMAGE)], check=True)
    (sample_bag / "data/metadata/originals.txt").open("a", encoding="utf-8").write("stray line\n")
    normal = validate(sample_bag)
    self_check = validate(sample_bag, proven=measured(sample_bag))
    assert [(p.code, p.path, p.message) for p in self_check.problems] == \
           [(p.code, p.path, p.message) for p in normal.problems]
    assert {"E503", "E603"} <= {p.code for p in normal.problems}

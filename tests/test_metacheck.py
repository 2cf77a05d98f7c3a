"""The metadata layer read through a BagSource, robust to damaged sidecars.

Most tests damage a private copy of the packaged sample (``sample_bag``) and
call :func:`packager.validate.metacheck.check` directly with a real ExifToolSession, so only
the metadata layer speaks. Foreign bags are made from the sample by renaming
its Bag-Software-Agent.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from packager.files.exiftool import ExifToolSession
from packager.metadata.csvfile import read_metadata_csv
from packager.metadata.originals import ORIGINALS_MAGIC, originals_manifest_bytes, read_originals_manifest
from packager.model import Issue
from packager.validate import metacheck, sidecars
from packager.validate.folder import DirSource
from packager.validate.source import BagSource

CSV = "data/metadata/metadata.csv"
ORIGINALS = "data/metadata/originals.txt"
RECORDS = "data/metadata/records.json"
IMAGE = "data/objects/Surv - 007.jpg"
OTHER = "data/objects/Surv - 009.jpg"


@pytest.fixture(scope="module")
def et() -> Iterator[ExifToolSession]:
    with ExifToolSession() as tool:
        yield tool


def run(source: BagSource | Path, et: ExifToolSession | None) -> list[Issue]:
    src = source if isinstance(source, BagSource) else DirSource(source)
    with src:
        return metacheck.check(src, et.read_many if et else None)


def keyed(found: list[Issue]) -> list[tuple[str, str | None]]:
    return [(i.code, i.path) for i in found]


def exiftool(target: Path, *args: str) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args, str(target)], check=True)


def recaption(target: Path, text: str) -> None:
    """Change the description in XMP, IIM and EXIF alike (only E603 can tell)."""
    exiftool(target, f"-XMP-dc:Description={text}", f"-IPTC:Caption-Abstract={text}",
             f"-EXIF:ImageDescription={text}")


def repaint(target: Path, tmp_path: Path) -> None:
    """Change one pixel but keep every tag (only E607 can tell)."""
    from PIL import Image

    saved = tmp_path / "saved.jpg"
    shutil.copy(target, saved)
    with Image.open(saved) as im:
        edited = im.copy()
    edited.putpixel((10, 10), (255, 0, 0))
    edited.save(target, quality=95)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-tagsFromFile", str(saved), "-all:all", str(target)],
                   check=True)


def csv_lines(bag: Path) -> list[str]:
    return (bag / CSV).read_bytes().decode("utf-8").split("\r\n")


def write_csv(bag: Path, lines: list[str]) -> None:
    (bag / CSV).write_text("\r\n".join(lines), encoding="utf-8", newline="")


def line_of(lines: list[str], payload: str) -> int:
    """1-based line of a payload's row (the sample's rows are one line each)."""
    return next(n for n, text in enumerate(lines, start=1) if text.startswith(payload + ","))


def make_foreign(bag: Path, keep: Iterable[str] = ()) -> None:
    """Another tool's bag: bag-info names another agent; sidecars not in ``keep`` are removed."""
    info = bag / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("Bag-Software-Agent: packager",
                                                             "Bag-Software-Agent: another-tool"), encoding="utf-8")
    for name in ("dc", "originals.txt", "records.json"):
        if name not in keep:
            target = bag / "data" / "metadata" / name
            shutil.rmtree(target) if target.is_dir() else target.unlink()


# --- the sample through a DirSource -------------------------------------------------

def test_untouched_bag_passes_and_is_ours(sample_bag: Path, et: ExifToolSession) -> None:
    with DirSource(sample_bag) as source:
        assert metacheck.applies(source) and metacheck.is_ours(source)
        assert metacheck.check(source, et.read_many) == []


def test_without_a_tag_reader_no_image_is_opened(sample_bag: Path, tmp_path: Path) -> None:
    repaint(sample_bag / IMAGE, tmp_path)

    class Watched(DirSource):
        def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
            raise AssertionError("an image was opened without a tag reader")

    assert run(Watched(sample_bag), None) == []  # sidecars agree; pixels are not looked at


# --- local copies without a file extension ---------------------------------------------

class NoExtensionSource(DirSource):
    """Hands images out as copies named img0, img1... (like an archive's memory files),
    two per batch, deleting a batch's copies when the next batch is asked for."""

    def __init__(self, root: Path, scratch: Path, skip: str | None = None):
        super().__init__(root)
        self.scratch = scratch
        self.skip = skip
        self.handed: list[Path] = []

    def local_files(self, rels: Iterable[str]) -> Iterator[list[tuple[str, Path]]]:
        batch: list[tuple[str, Path]] = []
        wanted = [rel for rel in rels if rel in self.listing().files and rel != self.skip]
        for index, rel in enumerate(wanted):
            copy = self.scratch / f"img{index}"
            shutil.copyfile(self.root / rel, copy)
            self.handed.append(copy)
            batch.append((rel, copy))
            if len(batch) == 2 or index == len(wanted) - 1:
                yield batch
                for _, used in batch:
                    used.unlink()  # "valid until the next batch": prove nothing reads them later
                batch = []


def test_exiftool_and_pillow_read_local_copies_without_extension(sample_bag: Path, tmp_path: Path,
                                                                  et: ExifToolSession) -> None:
    exiftool(sample_bag / IMAGE, "-XMP-dc:Description=A different story.")
    repaint(sample_bag / "data/objects/Surv - 003.jpg", tmp_path)
    truncated = sample_bag / "data/objects/Surv - 012.jpg"
    truncated.write_bytes(truncated.read_bytes()[:40_000])  # metadata intact, pixel data cut short
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    source = NoExtensionSource(sample_bag, scratch)
    through_copies = run(source, et)
    through_folder = run(sample_bag, et)
    assert [(i.code, i.path, i.message) for i in through_copies] == \
           [(i.code, i.path, i.message) for i in through_folder]
    assert ("E603", IMAGE) in keyed(through_copies)
    assert ("E607", "data/objects/Surv - 003.jpg") in keyed(through_copies)
    # A JPEG's pixel proof is its image data, read without decoding: cut short, it is changed data (E607)
    assert [c for c, p in keyed(through_copies) if p == "data/objects/Surv - 012.jpg"] == ["E607"]
    assert len(source.handed) == 25 and all(p.suffix == "" and p.name.startswith("img") for p in source.handed)
    assert not any(str(scratch) in i.message for i in through_copies)  # findings name bag paths only


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_an_archive_read_in_place_gives_the_folders_findings(sample_bag: Path, tmp_path: Path, et: ExifToolSession,
                                                             kind: str) -> None:
    from packager.validate.opening import open_source

    recaption(sample_bag / IMAGE, "A different story.")
    repaint(sample_bag / "data/objects/Surv - 003.jpg", tmp_path)
    archive = shutil.make_archive(str(tmp_path / sample_bag.name), kind, root_dir=sample_bag.parent,
                                  base_dir=sample_bag.name)
    opened: list[Issue] = []
    source = open_source(Path(archive), opened)
    assert source is not None and source.serialization and not opened
    found = run(source, et)
    assert {("E607", "data/objects/Surv - 003.jpg"), ("E603", IMAGE)} <= set(keyed(found))
    assert [(i.code, i.message) for i in found] == [(i.code, i.message) for i in run(sample_bag, et)]


def test_an_image_the_source_cannot_hand_out_is_reported(sample_bag: Path, tmp_path: Path, et: ExifToolSession) -> None:
    source = NoExtensionSource(sample_bag, tmp_path, skip=IMAGE)
    found = run(source, et)
    assert keyed(found) == [("E606", IMAGE)]
    assert "could not be read from the bag" in found[0].message


def test_tags_of_another_file_are_not_taken_for_this_one(sample_bag: Path, et: ExifToolSession) -> None:
    exiftool(sample_bag / IMAGE, "-XMP-dc:Description=A different story.")

    def reversed_reader(paths: list[Path]) -> list[dict[str, Any]]:
        return list(reversed(et.read_many(paths)))  # a reader that answers out of order

    found = run_with(sample_bag, reversed_reader)
    assert [p for c, p in keyed(found) if c == "E603"] == [IMAGE]  # retried one by one, matched right
    assert not [i for i in found if i.code == "E606"]


def run_with(bag: Path, reader: metacheck.ReadTags) -> list[Issue]:
    with DirSource(bag) as source:
        return metacheck.check(source, reader)


# --- refused files and size limits ------------------------------------------------------

def test_a_refused_sidecar_is_not_read_and_says_so(sample_bag: Path, tmp_path: Path, et: ExifToolSession) -> None:
    outside = tmp_path / "outside.csv"
    shutil.move(sample_bag / CSV, outside)
    os.symlink(outside, sample_bag / CSV)
    exiftool(sample_bag / IMAGE, "-XMP-dc:Description=A different story.")
    found = run(sample_bag, et)
    assert keyed(found)[:1] == [("E602", CSV)]
    assert "was not read: the BagIt layer refused it" in found[0].message and "outside the bag" in found[0].message
    assert ("E603", IMAGE) in keyed(found)  # records.json stands in for the unread metadata.csv


def test_a_row_naming_a_refused_object_is_not_read(sample_bag: Path, tmp_path: Path, et: ExifToolSession) -> None:
    outside = tmp_path / "elsewhere.jpg"
    shutil.move(sample_bag / IMAGE, outside)
    os.symlink(outside, sample_bag / IMAGE)
    seen: list[str] = []

    def reader(paths: list[Path]) -> list[dict[str, Any]]:
        seen.extend(p.name for p in paths)
        return et.read_many(paths)

    found = run_with(sample_bag, reader)
    assert "Surv - 007.jpg" not in seen and len(seen) == 24
    line = line_of(csv_lines(sample_bag), IMAGE)
    assert [(i.code, i.path, i.line) for i in found] == [("E602", CSV, line)]  # not "no row" again elsewhere
    assert "refused" in found[0].message


def test_a_sidecar_over_its_size_limit_is_a_problem_not_a_crash(sample_bag: Path, et: ExifToolSession,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidecars, "RECORDS_LIMIT", 1000)
    found = run(sample_bag, et)
    assert keyed(found) == [("E602", RECORDS)]
    assert "too large" in found[0].message and "limit 1,000" in found[0].message


# --- one damaged row of metadata.csv -----------------------------------------------------

@pytest.mark.parametrize("breakage, says", [
    (lambda row: row + ',"one cell too many"', "cells but the header has"),
    (lambda row: row.split(",", 1)[0] + ',"surv-005', "quote"),
])
def test_one_damaged_row_is_one_problem_and_the_others_are_checked(sample_bag: Path, et: ExifToolSession,
                                                                   breakage: Any, says: str) -> None:
    broken = "data/objects/Surv - 005.jpg"
    lines = csv_lines(sample_bag)
    line = line_of(lines, broken)
    lines[line - 1] = breakage(lines[line - 1])
    write_csv(sample_bag, lines)
    recaption(sample_bag / OTHER, "A different story.")
    found = run(sample_bag, et)
    csv_problems = [i for i in found if i.code == "E602"]
    assert len(csv_problems) == 1, found
    assert csv_problems[0].line == line and csv_problems[0].path == CSV
    assert f"line {line}:" in csv_problems[0].message and says in csv_problems[0].message
    assert keyed([i for i in found if i.code != "E602"]) == [("E603", OTHER)]  # the rest still checked


def test_the_image_of_a_damaged_row_is_checked_against_records_json(sample_bag: Path, et: ExifToolSession) -> None:
    lines = csv_lines(sample_bag)
    line = line_of(lines, IMAGE)
    lines[line - 1] += ",extra"
    write_csv(sample_bag, lines)
    recaption(sample_bag / IMAGE, "A different story.")
    found = run(sample_bag, et)
    assert keyed(found) == [("E602", CSV), ("E603", IMAGE)]


def test_a_bad_header_makes_the_file_unusable_but_other_checks_run(sample_bag: Path, et: ExifToolSession) -> None:
    lines = csv_lines(sample_bag)
    lines[0] = lines[0].replace("filename,", "file,").replace("dc.title", "dc.tittle")
    write_csv(sample_bag, lines)
    exiftool(sample_bag / OTHER, "-XMP-dc:Description=A different story.")
    record = sample_bag / "data/metadata/dc/surv-002.xml"
    record.write_bytes(record.read_bytes().replace(b"dc:title", b"dc:headline"))
    with (sample_bag / ORIGINALS).open("a", encoding="utf-8") as fh:
        fh.write("just some words\n")
    found = run(sample_bag, et)
    (header,) = [i for i in found if i.code == "E602"]
    assert header.path == CSV and header.line == 1
    assert "'file', it must be 'filename'" in header.message and "dc.tittle" in header.message
    assert "checks that need rows were skipped" in header.message
    assert ("E603", OTHER) in keyed(found)  # compared with records.json instead
    assert ("E601", "data/metadata/dc/surv-002.xml") in keyed(found)
    assert [(i.code, i.line) for i in found if i.path == ORIGINALS] == [("E605", 57)]


def test_a_bom_is_a_warning_only(sample_bag: Path, et: ExifToolSession) -> None:
    (sample_bag / CSV).write_bytes(b"\xef\xbb\xbf" + (sample_bag / CSV).read_bytes())
    found = run(sample_bag, et)
    assert [(i.code, i.severity, i.name) for i in found] == [("W615", "warning", "csv-bom")]


def test_rows_of_our_bags_must_use_the_bag_form(sample_bag: Path, et: ExifToolSession) -> None:
    lines = csv_lines(sample_bag)
    line = line_of(lines, IMAGE)
    lines[line - 1] = lines[line - 1][len("data/"):]
    write_csv(sample_bag, lines)
    found = run(sample_bag, et)
    assert [(i.code, i.path, i.line) for i in found] == [("E602", CSV, line)]
    assert "not under data/objects/" in found[0].message


def test_a_row_with_dot_dot_is_never_followed(sample_bag: Path, tmp_path: Path, et: ExifToolSession) -> None:
    lines = csv_lines(sample_bag)
    line = line_of(lines, OTHER)
    lines[line - 1] = lines[line - 1].replace(OTHER, "data/objects/../../../secret.jpg", 1)
    write_csv(sample_bag, lines)
    seen: list[str] = []

    def reader(paths: list[Path]) -> list[dict[str, Any]]:
        seen.extend(p.name for p in paths)
        return et.read_many(paths)

    found = run_with(sample_bag, reader)
    assert [i.line for i in found if i.line is not None] == [line]
    assert "'..'" in next(i.message for i in found if i.line == line)
    assert "secret.jpg" not in seen
    assert any(i.code == "E602" and f"{OTHER} has no row" in i.message for i in found)  # it has no usable row


def test_the_collection_row_is_written_once_in_our_bags(sample_bag: Path, et: ExifToolSession) -> None:
    lines = csv_lines(sample_bag)
    (first,) = [n for n, line in enumerate(lines, start=1) if line.startswith("data/objects,")]
    write_csv(sample_bag, [*lines[:first], lines[first - 1], *lines[first:]])  # the collection's row twice
    row = next(i for i in run(sample_bag, et) if i.line == first + 1)
    assert (row.code, row.path) == ("E602", CSV)
    assert row.message == (f"metadata.csv, line {first + 1}: data/objects already has a row on line {first}; keep "
                           "one row per file")


# --- foreign bags -----------------------------------------------------------------------

def test_foreign_bag_in_archivematica_form(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    lines = csv_lines(sample_bag)
    write_csv(sample_bag, [lines[0]] + [line.removeprefix("data/") for line in lines[1:]])
    exiftool(sample_bag / IMAGE, "-XMP-dc:Description=Theirs.")
    found = run(sample_bag, et)
    assert keyed(found)[:2] == [("I612", CSV), ("W603", IMAGE)]
    assert "objects/…" in found[0].message and "Archivematica" in found[0].message
    assert "Theirs." in found[1].message and "not written by packager" in found[1].message
    assert {i.path for i in found[1:]} == {IMAGE} and {i.severity for i in found[1:]} == {"warning"}


def test_foreign_bag_mixing_forms_and_describing_twice(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    lines = csv_lines(sample_bag)
    lines[1] = lines[1].removeprefix("data/")
    lines.insert(3, lines[1].replace("objects/Surv - 001.jpg", "data/objects/Surv - 001.jpg"))
    write_csv(sample_bag, lines)
    found = run(sample_bag, et)
    assert [(i.code, i.line) for i in found] == [("E602", 4), ("W613", None)]
    assert "line 2 describes already" in found[0].message


def test_foreign_objects_without_rows_are_warnings_unless_a_folder_row_covers_them(sample_bag: Path,
                                                                                      et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    (sample_bag / "data/objects/extra").mkdir()
    shutil.copy(sample_bag / IMAGE, sample_bag / "data/objects/extra/a.jpg")
    lines = [line for line in csv_lines(sample_bag) if not line.startswith((OTHER, "data/objects,"))]
    write_csv(sample_bag, lines + ["data/objects/extra/,extra-folder,A folder described as a whole", ""])
    found = run(sample_bag, et)
    assert [(i.code, i.path, i.severity, i.name) for i in found if i.code != "I612"] == [
        ("W611", OTHER, "warning", "object-without-row")]  # extra/a.jpg is covered by its folder's row


def test_our_objects_without_rows_are_errors(sample_bag: Path, et: ExifToolSession) -> None:
    write_csv(sample_bag, [line for line in csv_lines(sample_bag) if not line.startswith(OTHER)])
    found = run(sample_bag, et)
    hits = [i for i in found if i.path == CSV]
    assert [(i.code, i.severity) for i in hits] == [("E602", "error")] and f"{OTHER} has no row" in hits[0].message


def test_foreign_rows_may_use_either_form_and_no_other(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    lines = csv_lines(sample_bag)
    line = line_of(lines, OTHER)
    lines[line - 1] = lines[line - 1].replace(OTHER, "images/Surv - 009.jpg", 1)
    write_csv(sample_bag, lines)
    row = next(i for i in run(sample_bag, et) if i.line == line)
    assert (row.code, row.path) == ("E602", CSV)
    assert row.message == (f"metadata.csv, line {line}: the row names 'images/Surv - 009.jpg', which is not under "
                           "data/objects/; write data/objects/<name> (or Archivematica's objects/<name>)")


def test_foreign_rows_must_still_name_payload_files(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    (sample_bag / OTHER).unlink()
    found = [i for i in run(sample_bag, et) if i.code != "I612"]
    line = line_of(csv_lines(sample_bag), OTHER)
    assert [(i.code, i.line, i.severity) for i in found] == [("E602", line, "error")]
    assert "names a file that is not in the payload" in found[0].message


def test_foreign_embedded_values_only_one_side_has_are_not_disagreements(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag)
    exiftool(sample_bag / IMAGE, "-XMP-dc:Title=")  # the row has a title, the image none
    recaption(sample_bag / IMAGE, "Theirs.")
    exiftool(sample_bag / OTHER, "-XMP-dc:Creator=Agency photographer", "-IPTC:By-line=Agency photographer",
             "-EXIF:Artist=Agency photographer")  # the image has a creator, the row none
    found = run(sample_bag, et)
    assert [(i.code, i.path, i.field) for i in found if i.code != "I612"] == [("W603", IMAGE, "dc.description")]


def test_foreign_sidecars_in_another_format_are_left_alone(sample_bag: Path, et: ExifToolSession) -> None:
    make_foreign(sample_bag, keep=("dc", "originals.txt", "records.json"))
    (sample_bag / "data/metadata/dc/theirs.xml").write_text("<oai_dc:dc xmlns:oai_dc='urn:x'/>", encoding="utf-8")
    (sample_bag / RECORDS).write_text("[1, 2]", encoding="utf-8")
    (sample_bag / ORIGINALS).write_text(f"{'0' * 32}  images/a.jpg\n", encoding="utf-8")
    (sample_bag / "data/metadata/dc/collection.xml").unlink()  # ours would need it; theirs need not
    found = run(sample_bag, et)
    assert [(i.code, i.path) for i in found if i.code != "I612"] == [
        ("W614", RECORDS), ("W614", "data/metadata/dc/theirs.xml"), ("W614", ORIGINALS)]
    assert not [i for i in found if i.severity == "error"]


def test_foreign_bag_in_our_format_is_checked_without_completeness_rules(sample_bag: Path, et: ExifToolSession) -> None:
    """A packager bag re-bagged by another tool: its sidecars still have to agree."""
    make_foreign(sample_bag, keep=("dc", "originals.txt", "records.json"))
    (sample_bag / "data/metadata/dc/surv-003.xml").unlink()
    record = sample_bag / "data/metadata/dc/surv-004.xml"
    record.write_bytes(record.read_bytes().replace(b"<dc:language>en</dc:language>",
                                                   b"<dc:language>fr</dc:language>"))
    found = run(sample_bag, et)
    assert [(i.code, i.path) for i in found if i.code != "I612"] == [("E602", "data/metadata/dc/surv-004.xml")]
    assert "dc.language='fr'" in next(i.message for i in found if i.code == "E602")


# --- the originals checksum file ---------------------------------------------------------

def _digests(seed: str) -> dict[str, str]:
    return {"sha256": hashlib.sha256(seed.encode()).hexdigest(), "sha512": hashlib.sha512(seed.encode()).hexdigest()}


GOOD = originals_manifest_bytes([("images/a.jpg", _digests("a"))]).decode()  # header: 6 lines, entry: lines 7-8
SHA256 = _digests("b")["sha256"]


@pytest.mark.parametrize("text, line, says", [
    (GOOD.replace(ORIGINALS_MAGIC, "# checksums"), 1, "missing the header line"),
    (GOOD.replace(ORIGINALS_MAGIC, ORIGINALS_MAGIC[:-1] + "2"), 1, "format version '2' is not known"),
    (GOOD + f"sha256 {SHA256} b.jpg\n", 9, "not '<algorithm> <hex>  <path>'"),
    (GOOD + f"sha1 {'0' * 40}  b.jpg\n", 9, "unknown algorithm 'sha1'"),
    (GOOD + f"sha256 {SHA256[:-1]}  b.jpg\n", 9, "63 hex digits, expected 64"),
    (GOOD + f"sha256 {SHA256.upper()}  b.jpg\n", 9, "not lowercase hexadecimal"),
    (GOOD + f"sha256 {_digests('a')['sha256']}  images/a.jpg\n", 9, "duplicate sha256 checksum for 'images/a.jpg'"),
    (GOOD + f"sha256 {SHA256}  100% b.jpg\n", 9, "'%' at character 4 is not part of %25, %0D or %0A"),
    (GOOD + f"sha256 {SHA256}  /etc/b.jpg\n", 9, "must be a relative path"),
    (GOOD + f"sha256 {SHA256}  images/../../b.jpg\n", 9, "'..'"),
    (GOOD + f"sha256 {SHA256}  b.jpg\r\n", 9, "ends with CR"),
    (GOOD.rstrip("\n"), 8, "no line break at the end of the file"),
    (GOOD.split("sha256")[0], 6, "lists no checksums"),
    ("", 1, "missing the header line"),
])
def test_each_bad_line_of_the_originals_file_is_one_problem_with_its_line(text: str, line: int, says: str) -> None:
    entries, problems = read_originals_manifest(text.encode())
    line_problems = [p for p in problems if p.prefixed]
    assert [p.line for p in line_problems] == [line], problems
    assert says in line_problems[0].message


def test_a_path_missing_an_algorithm_is_reported_on_its_first_line() -> None:
    entries, problems = read_originals_manifest((GOOD + f"sha256 {SHA256}  b.jpg\n").encode())
    assert [(p.line, p.message) for p in problems] == [(9, "'b.jpg' has no sha512 checksum")]
    assert dict(entries)["b.jpg"] == {"sha256": SHA256}


def test_two_problems_on_one_line_are_one_problem() -> None:
    _entries, problems = read_originals_manifest(b"not a header\n")
    assert [(p.line, p.message) for p in problems] == [
        (1, "missing the header line '# packager originals checksums 1'; not '<algorithm> <hex>  <path>'")]


def test_percent_escapes_are_decoded() -> None:
    entries, problems = read_originals_manifest(
        (GOOD + f"sha256 {SHA256}  a%25b%0Ac.jpg\nsha512 {_digests('b')['sha512']}  a%25b%0ac.jpg\n").encode())
    assert problems == [] and entries[1] == ("a%b\nc.jpg", _digests("b"))


def test_originals_problems_become_e605_with_line_numbers(sample_bag: Path, et: ExifToolSession) -> None:
    with (sample_bag / ORIGINALS).open("a", encoding="utf-8") as fh:
        fh.write(f"sha256 {SHA256}  100% b.jpg\n" f"md5 {'0' * 32}  c.jpg\n" "\n" f"sha256 {SHA256}  /abs.jpg\n")
    found = run(sample_bag, et)
    assert [(i.code, i.line) for i in found] == [("E605", 57), ("E605", 58), ("E605", 60)]
    assert all(i.message.startswith(f"{ORIGINALS}, line {i.line}: ") for i in found)


# --- the tolerant metadata.csv reader ---------------------------------------------------

def test_tolerant_reader_reports_each_bad_row_and_keeps_the_good_ones() -> None:
    data = (b"filename,dc.title,dc.subject\r\n"
            b"a.jpg,A,x\r\n"  # 2 good
            b"b.jpg,B,y,z\r\n"  # 3 too many cells
            b",C,\r\n"  # 4 empty filename
            b"a.jpg,again,\r\n"  # 5 duplicate
            b",,,,\r\n"  # 6 blank (a spreadsheet's): skipped
            b"\r\n"  # 7 blank
            b'c.jpg,"unclosed,\r\n'  # 8 a quote never closed...
            b"d.jpg,D,\r\n"  # 9 ...the next rows are still read
            b'"e.jpg","E"x,\r\n'  # 10 text after a closing quote
            b"f.jpg,F,w\r\n") + b"g.jpg,\xff,\r\n"  # 11 good, 12 not UTF-8
    reading = read_metadata_csv(data)
    assert reading.usable and not reading.bom
    assert [(r.line, r.filename, r.pairs) for r in reading.rows] == [
        (2, "a.jpg", [("dc.title", "A"), ("dc.subject", "x")]), (9, "d.jpg", [("dc.title", "D")]),
        (11, "f.jpg", [("dc.title", "F"), ("dc.subject", "w")])]
    assert [(p.line, p.filename) for p in reading.problems] == [
        (3, "b.jpg"), (4, None), (5, "a.jpg"), (8, "c.jpg"), (10, "e.jpg"), (12, "g.jpg")]
    messages = [p.message for p in reading.problems]
    assert "4 cells but the header has 3 columns" in messages[0]
    assert "filename cell is empty" in messages[1]
    assert "already has a row on line 2" in messages[2]
    assert "unclosed quote" in messages[3] or "closing quote" in messages[3]
    assert "text follows a closing quote" in messages[4]
    assert "not UTF-8" in messages[5]


def test_tolerant_reader_unclosed_quote_at_the_end() -> None:
    reading = read_metadata_csv(b'filename,dc.title\r\na.jpg,A\r\nb.jpg,"never closed\r\n')
    assert [r.filename for r in reading.rows] == ["a.jpg"]
    assert [(p.line, p.filename) for p in reading.problems] == [(3, "b.jpg")]
    assert "unclosed quote" in reading.problems[0].message


@pytest.mark.parametrize("data, says", [
    (b"", "first line is empty"),
    (b"name,dc.title\r\na,b\r\n", "'name', it must be 'filename'"),
    (b"filename,dc.title,dc.tittle,x\r\n", "column 3: unknown element 'dc.tittle'"),
    (b"filename,dc.title,dc.tittle,x\r\n", "; column 4: 'x' is not a Dublin Core element name"),
    (b"filename,dc.t\xfftle\r\n", "column 2 of the header is not UTF-8"),
    (b'"filename,dc.title\r\n', "header cannot be read"),
])
def test_tolerant_reader_bad_header_is_one_problem_on_line_1(data: bytes, says: str) -> None:
    reading = read_metadata_csv(data)
    assert not reading.usable and reading.rows == []
    assert [p.line for p in reading.problems] == [1] and says in reading.problems[0].message


def test_the_reader_reads_back_what_the_writer_wrote() -> None:
    from packager.metadata.csvfile import metadata_csv_bytes

    rows = [("data/objects/a.jpg", [("dc.title", 'Police, "robot"'), ("dc.description", "one\ntwo, 北京")]),
            ("data/objects/b.jpg", [("dc.subject", "x"), ("dc.subject", "y")])]
    data = metadata_csv_bytes(rows)
    reading = read_metadata_csv(data)
    assert [(r.filename, r.pairs) for r in reading.rows] == rows and reading.problems == []
    assert [r.line for r in reading.rows] == [2, 4]  # the first row spans two lines
    assert read_metadata_csv(b"\xef\xbb\xbf" + data).bom

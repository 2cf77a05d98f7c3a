"""Where `packager validate` and bagit 1.9.0 disagree: measured here, documented in docs/validator.md.

Both validators judge every bag of the conformance suites under
tests/data/conformance and a set of small bags built here for the known
gaps of bagit 1.9.0. The bags on which they disagree must be exactly the rows
of the tables in docs/validator.md (parsed below), so the page cannot drift
from what the two tools really do. Everything is copied into a temporary
folder first: neither tool is ever pointed at the vendored data.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import random
import re
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bagit
import pytest

from packager import issues
from packager.bag.writer import BagWriter
from packager.validate.check import BagCheck, check_bag

from .conftest import CONFORMANCE, ROOT

DOC = ROOT / "docs" / "validator.md"

#: Our codes that name one file as missing, unlisted, corrupt or still to fetch.
NAMING_CODES = frozenset({"E503", "E504", "E505", "E508", "E509"})
VERDICTS = ("valid", "invalid", "crash")


@dataclass(frozen=True)
class Outcome:
    """What both validators made of one bag."""

    bagit: str  # "valid", "invalid" (BagError raised) or "crash" (another exception escaped)
    bagit_says: str  # bagit's message with its details, or the escaped exception
    ours: BagCheck

    @property
    def verdict(self) -> str:
        return "valid" if self.ours.valid else "invalid"

    @property
    def unnamed_by_bagit(self) -> set[str]:
        """Files we name as missing, unlisted or corrupt that bagit's report never mentions."""
        return {p.path for p in self.ours.errors
                if p.code in NAMING_CODES and p.path is not None and p.path not in self.bagit_says}

    @property
    def differs(self) -> bool:
        return self.bagit != self.verdict or bool(self.unnamed_by_bagit)


def judge_with_bagit(folder: Path) -> tuple[str, str]:
    """bagit 1.9.0's verdict, as a library caller gets it from ``Bag(path).validate()``."""
    try:
        bagit.Bag(str(folder)).validate()
    except bagit.BagError as exc:  # BagValidationError included
        details = " ".join(str(d) for d in getattr(exc, "details", None) or ())
        return "invalid", f"{exc} {details}"
    except UnicodeError as exc:  # escapes Bag(): the caller gets a traceback, not a verdict
        return "crash", f"{type(exc).__name__}: {exc}"
    return "valid", ""


def writable_copy(src: Path, dst: Path) -> Path:
    """Copy a bag folder (the vendored data is never written to; links are kept as links)."""
    shutil.copytree(src, dst, symlinks=True, copy_function=shutil.copyfile)
    for folder, _dirs, _files in os.walk(dst):
        os.chmod(folder, 0o755)
    return dst


# --- the conformance suites ---------------------------------------------------------------
def _is_bag_folder(suite: Path, folder: Path) -> bool:
    """A folder with bagit.txt at its top that is neither inside a payload (bag-in-a-bag
    fixtures) nor hidden (bagit-java's experimental ``.bagit`` layout, which is not RFC 8493)."""
    parts = folder.relative_to(suite).parts
    return (folder / "bagit.txt").is_file() and "data" not in parts and not any(p.startswith(".") for p in parts)


def _bag_folders(suite: Path) -> list[Path]:
    return sorted(p.parent for p in suite.rglob("bagit.txt") if _is_bag_folder(suite, p.parent))


SUITES: dict[str, Callable[[], list[Path]]] = {
    # every folder of the LoC suite, bag or not: each has a verdict in its README
    "bagit": lambda: sorted(p for p in (CONFORMANCE / "bagit").glob("v*/*/*") if p.is_dir()),
    "bagit-java-test-resources": lambda: _bag_folders(CONFORMANCE / "bagit-java-test-resources"),
    "aptrust-dart-testbags": lambda: sorted((CONFORMANCE / "aptrust-dart-testbags" / "bags").iterdir()),
    "bagit-python-test-data": lambda: _bag_folders(CONFORMANCE / "bagit-python-test-data"),
}


def _extract(archive: Path, into: Path) -> Path:
    """bagit 1.9.0 reads folders only: unpack the archive and return its one top folder."""
    into.mkdir()
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="data")
    (top,) = [p for p in into.iterdir() if p.is_dir()]
    return top


def judge_conformance_bag(bag: Path, work: Path) -> Outcome:
    """Folders: both judge the same copy. Archives: we read a copy in place, bagit its extraction."""
    copy = work / bag.relative_to(CONFORMANCE)
    copy.parent.mkdir(parents=True, exist_ok=True)
    if bag.is_file():
        shutil.copyfile(bag, copy)
        verdict, says = judge_with_bagit(_extract(copy, copy.with_name(copy.name + ".extracted")))
    else:
        verdict, says = judge_with_bagit(writable_copy(bag, copy))
    return Outcome(verdict, says, check_bag(copy))


@pytest.fixture(scope="session")
def suite_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Outcome]]:
    """suite -> bag (path under conformance/) -> outcome."""
    work = tmp_path_factory.mktemp("suites")
    return {suite: {bag.relative_to(CONFORMANCE).as_posix(): judge_conformance_bag(bag, work) for bag in find()}
            for suite, find in SUITES.items()}


# --- bags built here, one per known gap of bagit 1.9.0 --------------------------------------
def _writer_bag(folder: Path) -> Path:
    """A BagIt 1.0 bag from our writer (sha256 + sha512, tag manifests, Payload-Oxum 5006.2)."""
    rnd = random.Random(7)
    with BagWriter(folder, "mybag") as writer:
        writer.add_bytes("objects/photo.jpg", rnd.randbytes(5000))
        writer.add_bytes("metadata/notes.txt", b"notes\n")
        return writer.finish([("Source-Organization", "Test")])


def _retag(bag: Path) -> None:
    """Recompute the tag manifests after an edit, so that only the edit itself is wrong."""
    for tm in bag.glob("tagmanifest-*.txt"):
        alg = tm.name[len("tagmanifest-"):-len(".txt")]
        names = [line.split("  ", 1)[1] for line in tm.read_text().splitlines()]
        tm.write_text("".join(f"{hashlib.new(alg, (bag / n).read_bytes()).hexdigest()}  {n}\n" for n in names))


def _handmade(folder: Path, files: dict[str, bytes], listed: dict[str, str] | None = None, *,
              encoding: str = "UTF-8", codec: str = "utf-8", info: bytes | None = None) -> Path:
    """A 1.0 bag written byte by byte (our writer refuses what these cases need): one
    sha256 manifest in ``codec``, payload paths written as ``listed`` gives them."""
    bag = folder / "handmade"
    (bag / "data").mkdir(parents=True)
    for rel, data in files.items():
        (bag / rel).write_bytes(data)
    (bag / "bagit.txt").write_text(f"BagIt-Version: 1.0\nTag-File-Character-Encoding: {encoding}\n")
    listed = listed or {rel: rel for rel in files}
    lines = "".join(f"{hashlib.sha256(data).hexdigest()}  {listed[rel]}\n" for rel, data in files.items())
    (bag / "manifest-sha256.txt").write_bytes(lines.encode(codec))
    if info is not None:
        (bag / "bag-info.txt").write_bytes(info)
    return bag


def _secret_beside(folder: Path) -> bytes:
    """A file in a sibling folder whose name starts with the bag's name (mybag-evil/ next to mybag/)."""
    secret = b"not part of the bag\n"
    (folder / "mybag-evil").mkdir()
    (folder / "mybag-evil" / "secret.txt").write_bytes(secret)
    return secret


def build_one_manifest_misses_a_file(folder: Path) -> Path:
    bag = _writer_bag(folder)
    m512 = bag / "manifest-sha512.txt"
    m512.write_text("".join(line for line in m512.read_text().splitlines(True) if "notes.txt" not in line))
    _retag(bag)
    return bag


def build_space_before_colon(folder: Path) -> Path:
    bag = _writer_bag(folder)
    (bag / "bagit.txt").write_text("BagIt-Version : 1.0\nTag-File-Character-Encoding: UTF-8\n")
    _retag(bag)
    return bag


def build_manifest_path_into_sibling_folder(folder: Path) -> Path:
    secret = _secret_beside(folder)
    bag = _writer_bag(folder)
    for alg in ("sha256", "sha512"):
        with open(bag / f"manifest-{alg}.txt", "a") as f:
            f.write(f"{hashlib.new(alg, secret).hexdigest()}  ../mybag-evil/secret.txt\n")
    _retag(bag)
    return bag


def build_extra_payload_file(folder: Path) -> Path:
    bag = _writer_bag(folder)
    (bag / "data" / "objects" / "extra.jpg").write_bytes(b"smuggled")
    return bag


def build_extra_payload_file_without_oxum(folder: Path) -> Path:
    bag = _writer_bag(folder)
    info = bag / "bag-info.txt"
    info.write_text("".join(line for line in info.read_text().splitlines(True) if "Payload-Oxum" not in line))
    _retag(bag)
    (bag / "data" / "objects" / "extra.jpg").write_bytes(b"smuggled")
    return bag


def build_percent_encoded_names(folder: Path) -> Path:
    names = {"data/a%b.txt": "data/a%25b.txt", "data/line\nbreak.txt": "data/line%0Abreak.txt",
             "data/cr\rhere.txt": "data/cr%0dhere.txt", "data/1\n2\n3\n4.txt": "data/1%0A2%0A3%0A4.txt"}
    return _handmade(folder, {rel: rel.encode() for rel in names}, names)


def build_fetch_path_into_sibling_folder(folder: Path) -> Path:
    _secret_beside(folder)
    bag = _writer_bag(folder)
    (bag / "fetch.txt").write_text("https://example.org/secret.txt 20 ../mybag-evil/secret.txt\n")
    return bag


def build_fetch_path_out_of_the_bag(folder: Path) -> Path:
    bag = _writer_bag(folder)
    (bag / "fetch.txt").write_text("https://example.org/outside.txt 1 data/../../outside.txt\n")
    return bag


def build_duplicate_lines_different_checksums(folder: Path) -> Path:
    bag = _writer_bag(folder)
    with open(bag / "manifest-sha256.txt", "a") as f:
        f.write(f"{'0' * 64}  data/metadata/notes.txt\n")
    _retag(bag)
    return bag


def build_tag_manifest_lists_missing_file(folder: Path) -> Path:
    bag = _writer_bag(folder)
    for tm in bag.glob("tagmanifest-*.txt"):
        alg = tm.name[len("tagmanifest-"):-len(".txt")]
        tm.write_text(tm.read_text() + f"{hashlib.new(alg, b'gone').hexdigest()}  gone.txt\n")
    return bag


def build_bom_hides_payload_oxum(folder: Path) -> Path:
    return _handmade(folder, {"data/a.txt": b"1"}, info=codecs.BOM_UTF8 + b"Payload-Oxum: 999.9\n")


def build_bag_info_not_in_declared_encoding(folder: Path) -> Path:
    return _handmade(folder, {"data/a.txt": b"1"}, info="Contact-Name: Müller\n".encode("latin-1"))


def build_utf16_without_bom(folder: Path) -> Path:
    return _handmade(folder, {"data/a.txt": b"1"}, encoding="UTF-16", codec="utf-16-be",
                     info="Payload-Oxum: 1.1\n".encode("utf-16-be"))


def build_unicode_line_breaks_in_names(folder: Path) -> Path:
    names = ["data/a\u2028b.txt", "data/c\x85d.txt", "data/e\x0cf.txt", "data/g\x1ch.txt"]
    return _handmade(folder, {rel: b"x" for rel in names})


@dataclass(frozen=True)
class Case:
    """A bag built here, and what each validator was measured to say about it."""

    build: Callable[[Path], Path]
    bagit: str  # valid, invalid or crash
    bagit_says: tuple[str, ...] = ()  # fragments its report contains
    bagit_omits: tuple[str, ...] = ()  # fragments its report lacks
    ours: frozenset[tuple[str, str | None]] = frozenset()  # our errors as (code, path); none = valid


CASES: dict[str, Case] = {
    "one-manifest-misses-a-file": Case(build_one_manifest_misses_a_file, "valid",
                                       ours=frozenset({("E505", "data/metadata/notes.txt")})),
    "space-before-colon": Case(build_space_before_colon, "valid", ours=frozenset({("E501", "bagit.txt")})),
    "manifest-path-into-sibling-folder": Case(
        build_manifest_path_into_sibling_folder, "valid",
        ours=frozenset({("E502", "manifest-sha256.txt"), ("E502", "manifest-sha512.txt")})),
    "extra-payload-file": Case(
        build_extra_payload_file, "invalid", ("Payload-Oxum validation failed",), ("extra.jpg",),
        frozenset({("E505", "data/objects/extra.jpg"), ("E506", "bag-info.txt")})),
    "percent-encoded-names": Case(
        build_percent_encoded_names, "invalid",
        ("data/a%25b.txt exists in manifest but was not found", "data/cr%0dhere.txt exists in manifest",
         "data/1\n2\n3%0A4.txt exists in manifest"), ("data/line%0Abreak.txt",)),
    "fetch-path-into-sibling-folder": Case(build_fetch_path_into_sibling_folder, "valid",
                                           ours=frozenset({("E502", "fetch.txt")})),
    "bom-hides-payload-oxum": Case(build_bom_hides_payload_oxum, "valid", ours=frozenset({("E506", "bag-info.txt")})),
    "bag-info-not-in-declared-encoding": Case(build_bag_info_not_in_declared_encoding, "crash",
                                              ("UnicodeDecodeError",), ours=frozenset({("E501", "bag-info.txt")})),
    "utf16-without-bom": Case(build_utf16_without_bom, "crash", ("UTF-16 stream does not start with BOM",)),
    "unicode-line-breaks-in-names": Case(
        build_unicode_line_breaks_in_names, "invalid",
        ("data/a exists in manifest but was not found", "data/c exists in manifest", "data/e exists in manifest",
         "data/g exists in manifest")),
    # the same verdict, and bagit names what we name
    "duplicate-lines-different-checksums": Case(
        build_duplicate_lines_different_checksums, "invalid", ("data/metadata/notes.txt multiple times with "
                                                               "conflicting values",),
        ours=frozenset({("E502", "manifest-sha256.txt")})),
    "fetch-path-out-of-the-bag": Case(build_fetch_path_out_of_the_bag, "invalid",
                                      ('Path "data/../../outside.txt"', "is unsafe"),
                                      ours=frozenset({("E502", "fetch.txt")})),
    "tag-manifest-lists-missing-file": Case(build_tag_manifest_lists_missing_file, "invalid",
                                            ("gone.txt exists in manifest but was not found",),
                                            ours=frozenset({("E508", "gone.txt")})),
    "extra-payload-file-without-oxum": Case(
        build_extra_payload_file_without_oxum, "invalid",
        ("data/objects/extra.jpg exists on filesystem but is not in the manifest",),
        ours=frozenset({("E505", "data/objects/extra.jpg")})),
}


@pytest.fixture(scope="session")
def built_outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    work = tmp_path_factory.mktemp("built")
    outcomes = {}
    for name, case in CASES.items():
        (work / name).mkdir()
        bag = case.build(work / name)
        outcomes[name] = Outcome(*judge_with_bagit(bag), check_bag(bag))
    return outcomes


# --- docs/validator.md --------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    bagit: str  # first word of the bagit 1.9.0 cell
    ours: str  # first word of the packager cell
    codes: frozenset[str]  # issue codes named in the packager cell


def doc_section(heading: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/validator.md has no '## {heading}' section"
    return match.group(1)


def table_cells(section: str) -> list[list[str]]:
    """Body rows of the first Markdown table in a section (header and rule skipped)."""
    rows = [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in section.splitlines() if line.startswith("|")]
    return rows[2:]


def _first_word(cell: str) -> str:
    word = re.match(r"\**([a-z]+)", cell)
    assert word and word[1] in VERDICTS, f"verdict cell must start with one of {VERDICTS}: {cell!r}"
    return word[1]


def doc_rows(heading: str) -> dict[str, Row]:
    """First code span of the first cell -> what the doc says both tools do."""
    rows = {}
    for cells in table_cells(doc_section(heading)):
        name = re.search(r"`([^`]+)`", cells[0])
        assert name and len(cells) == 4, cells
        rows[name[1]] = Row(_first_word(cells[1]), _first_word(cells[2]),
                            frozenset(re.findall(r"\b[EWI]\d{3}\b", cells[2])))
    return rows


def _assert_row_is_measured(name: str, row: Row, outcome: Outcome) -> None:
    assert (row.bagit, row.ours) == (outcome.bagit, outcome.verdict), (name, outcome.bagit_says)
    codes = {p.code for p in outcome.ours.problems}
    assert row.codes <= codes, f"{name}: the doc names {sorted(row.codes - codes)}, we report {sorted(codes)}"


# --- the tests ----------------------------------------------------------------------------
def test_the_suites_hold_the_bags_the_doc_counts(suite_outcomes: dict[str, dict[str, Outcome]]) -> None:
    counted = {cells[0].strip("`/"): (int(cells[1]), int(cells[2]))
               for cells in table_cells(doc_section("Compared"))}
    measured = {suite: (len(bags), sum(o.bagit != o.verdict for o in bags.values()))
                for suite, bags in suite_outcomes.items()}
    assert counted == measured


def test_conformance_differences_are_exactly_the_documented_ones(
        suite_outcomes: dict[str, dict[str, Outcome]]) -> None:
    outcomes = {name: o for bags in suite_outcomes.values() for name, o in bags.items()}
    differ = {name for name, o in outcomes.items() if o.bagit != o.verdict}
    rows = doc_rows("Conformance bags where the verdicts differ")
    assert set(rows) == differ
    for name, row in rows.items():
        _assert_row_is_measured(name, row, outcomes[name])


@pytest.mark.parametrize("name", sorted(CASES))
def test_built_case_is_what_was_measured(built_outcomes: dict[str, Outcome], name: str) -> None:
    case, outcome = CASES[name], built_outcomes[name]
    assert outcome.bagit == case.bagit, outcome.bagit_says
    assert all(s in outcome.bagit_says for s in case.bagit_says), outcome.bagit_says
    assert not any(s in outcome.bagit_says for s in case.bagit_omits), outcome.bagit_says
    assert {(p.code, p.path) for p in outcome.ours.errors} == case.ours, [p.message for p in outcome.ours.errors]


def test_built_differences_are_exactly_the_documented_ones(built_outcomes: dict[str, Outcome]) -> None:
    rows = doc_rows("Built here")
    assert set(rows) == {name for name, o in built_outcomes.items() if o.differs}
    for name, row in rows.items():
        _assert_row_is_measured(name, row, built_outcomes[name])
    same = re.search(r"^Checked as well.*$", doc_section("Built here"), re.MULTILINE)
    assert same, "the 'Checked as well' line lists the built bags both tools judge alike"
    assert set(re.findall(r"`([^`]+)`", same[0])) == {n for n, o in built_outcomes.items() if not o.differs}


def test_extra_file_is_named_by_us_for_every_manifest(built_outcomes: dict[str, Outcome]) -> None:
    outcome = built_outcomes["extra-payload-file"]
    assert outcome.unnamed_by_bagit == {"data/objects/extra.jpg"}
    named = {re.search(r"manifest-\w+\.txt", p.message)[0] for p in outcome.ours.errors if p.code == "E505"}
    assert named == {"manifest-sha256.txt", "manifest-sha512.txt"}


def test_bagit_hashes_the_file_beside_the_bag(tmp_path: Path) -> None:
    """Evidence for the sibling-folder row: bagit 1.9.0 really opens the file outside the bag."""
    bag = build_manifest_path_into_sibling_folder(tmp_path)
    (tmp_path / "mybag-evil" / "secret.txt").write_bytes(b"changed outside the bag\n")
    verdict, says = judge_with_bagit(bag)
    assert verdict == "invalid" and "../mybag-evil/secret.txt" in says and "validation failed" in says
    assert all("'..' climbs out" in p.message for p in check_bag(bag).errors)


def test_percent_encoded_names_are_decoded_by_us(built_outcomes: dict[str, Outcome]) -> None:
    check = built_outcomes["percent-encoded-names"].ours
    assert check.payload_files == 4 and [p.code for p in check.problems] == ["W526"]  # handmade: no tag manifest


def test_utf16_without_bom_is_read_big_endian(built_outcomes: dict[str, Outcome]) -> None:
    check = built_outcomes["utf16-without-bom"].ours
    assert check.valid and ("Payload-Oxum", "1.1") in check.info
    assert {p.path for p in check.warnings if "read as big-endian" in p.message} == {"manifest-sha256.txt",
                                                                                      "bag-info.txt"}


def test_every_code_the_doc_mentions_exists() -> None:
    mentioned = set(re.findall(r"\b[EWI]\d{3}\b", DOC.read_text(encoding="utf-8")))
    assert mentioned and mentioned <= set(issues.registry())


def test_bagit_names_less_where_both_reject(suite_outcomes: dict[str, dict[str, Outcome]]) -> None:
    """The paragraph under the conformance table: bagit reports only the Payload-Oxum mismatch."""
    loc = suite_outcomes["bagit"]
    assert loc["bagit/v0.97/invalid/extra-file-in-bag"].unnamed_by_bagit == {"data/bar"}
    assert loc["bagit/v0.97/invalid/corrupt-data-file"].unnamed_by_bagit == {"data/bare-filename"}
    assert all("Payload-Oxum" in loc[f"bagit/v0.97/invalid/{n}"].bagit_says
               for n in ("extra-file-in-bag", "corrupt-data-file"))

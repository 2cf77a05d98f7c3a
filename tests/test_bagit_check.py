"""check_bag against every conformance bag, and where bagit 1.9.0 is wrong.

Verdicts come from the READMEs in tests/data/conformance (read-only: bags
are copied into tmp_path before anything is changed). Each case names the
problem it expects (code and file), not just "invalid", so a bag rejected
for the wrong reason fails the test.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import tarfile
import zipfile
from pathlib import Path

import bagit
import pytest

from packager.bag.writer import BagWriter
from packager.validate.check import BagCheck, check_bag

from .conftest import CONFORMANCE

LOC = CONFORMANCE / "bagit"
JAVA = CONFORMANCE / "bagit-java-test-resources"
APTRUST = CONFORMANCE / "aptrust-dart-testbags" / "bags"

VALID, INVALID = "valid", "invalid"


def found(check: BagCheck, severity: str = "error") -> set[tuple[str, str | None]]:
    return {(p.code, p.path) for p in check.problems if p.severity == severity}


def warned(check: BagCheck, words: str, code: str | None = None) -> bool:
    """True if a warning (of ``code``, when given) has a message matching ``words``."""
    return any(p.severity == "warning" and (code is None or p.code == code) and re.search(words, p.message)
               for p in check.problems)


def case_sensitive(folder: Path, listed: str, on_disk: str) -> bool:
    """True unless the file system finds ``on_disk`` under the name ``listed`` (macOS, Windows)."""
    return (folder / on_disk).exists() and not (folder / listed).exists()


# --- LoC bagit-conformance-suite: every bag, verdict from bagit/README.md ----------------------
# Expected errors: (code, path) pairs that must all be reported. For "warning" bags a
# regular expression that one W507 message must match.
_M5, _F = "manifest-md5.txt", "fetch.txt"
LOC_ERRORS: dict[str, set[tuple[str, str]]] = {
    "v0.97/invalid/baginfo-missing-encoding": {("E501", "bagit.txt")},
    "v0.97/invalid/bom-in-bagit.txt": {("E501", "bagit.txt")},
    "v0.97/invalid/corrupt-data-file": {("E503", "data/bare-filename"), ("E506", "bag-info.txt")},
    "v0.97/invalid/corrupt-tag-file": {("E503", "bagit.txt"), ("E503", "bag-info.txt"), ("E503", _M5)},
    "v0.97/invalid/extra-file-in-bag": {("E505", "data/bar"), ("E506", "bag-info.txt")},
    "v0.97/invalid/invalid-version-number": {("E501", "bagit.txt")},
    "v0.97/invalid/missing-baginfo": {("E508", "bag-info.txt")},
    "v0.97/invalid/missing-bagit.txt": {("E501", "bagit.txt")},
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation": {("E502", _M5)},
    "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch": {("E502", _F)},
    "v0.97/invalid/same-filename-listed-twice-with-different-hashes": {("E502", "manifest-sha256.txt")},
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path": {("E502", _M5)},
    "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path-for-fetch": {("E502", _F)},
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut": {("E502", _M5)},
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch": {("E502", _F)},
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username": {("E502", _M5)},
    "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username-for-fetch": {("E502", _F)},
    # windows-only: these paths (C:\..., %HomeDrive%\..., \\?\UNC\...) escape the bag on Windows.
    # We reject them on every system: a bag must stay safe wherever it is opened later, and on
    # POSIX they could never name a payload file anyway (they are not under data/).
    "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path": {("E502", _M5)},
    "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path-for-fetch": {("E502", _F)},
    "v0.97/windows-only/out-of-scope-file-paths-using-shortcut": {("E502", _M5)},
    "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch": {("E502", _F)},
    "v0.97/windows-only/out-of-scope-file-paths-using-unc": {("E502", _M5)},
    "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch": {("E502", _F)},
    "v1.0/invalid/bagit-with-invalid-whitespace": {("E501", "bagit.txt")},
    "v1.0/invalid/notAllManifestsListAllFiles": {("E505", "data/missingFromManifest.txt")},
    "v1.0/invalid/same-filename-listed-twice-with-different-hashes": {("E502", "manifest-sha256.txt")},
    # An error for 1.0 in this suite (bagit 1.9.0 agrees); a warning before 1.0 (see warning/ below).
    "v1.0/invalid/same-filename-listed-twice-with-the-same-hash": {("E502", "manifest-sha256.txt")},
}
LOC_WARNINGS = {  # bag -> (code, regular expression its message must match)
    "v0.97/warning/made-with-md5sum-tools": ("W523", r"md5sum 'binary mode' marker"),
    "v0.97/warning/relative-path": ("W524", r"starts with '\./'"),
    "v0.97/warning/same-filename-listed-twice-with-the-same-hash": ("W507", r"twice \(same checksum\)"),
    # bagit 1.9.0 rejects this one on Linux; we match names across NFC/NFD, as a bag moved
    # between macOS and Linux needs, and warn.
    "v0.97/warning/same-filename-listed-twice-with-different-normalization": (None, r"Unicode normalization"),
    "v0.97/warning/duplicate-file-with-different-case": ("W520", r"differ only in case"),
    "v0.97/warning/special-system-files": ("W522", r"housekeeping file"),
}
LOC_BAGS = sorted(p.relative_to(LOC).as_posix() for p in LOC.glob("v*/*/*") if p.is_dir()) if LOC.is_dir() else []


def loc_expectation(name: str) -> tuple[str, set[tuple[str, str]]]:
    """The README verdict for this system, with the documented exceptions."""
    if name in LOC_ERRORS:
        return INVALID, LOC_ERRORS[name]
    if name == "v0.97/warning/duplicate-file-with-different-case" and case_sensitive(
            LOC / name / "data", "HELLO.txt", "hello.txt"):
        # "valid + warning on case-insensitive file systems": here data/HELLO.txt is really missing.
        return INVALID, {("E504", "data/HELLO.txt")}
    if name == "v0.97/warning/special-system-files":
        # data/.DS_Store was never committed upstream, so the stored bag is incomplete everywhere.
        return INVALID, {("E504", "data/.DS_Store"), ("E506", "bag-info.txt")}
    category = name.split("/")[1]
    assert category in ("valid", "warning"), name
    return VALID, set()


def test_every_loc_bag_has_an_expectation() -> None:
    categories = {name.split("/")[1] for name in LOC_BAGS}
    assert len(LOC_BAGS) == 60 and categories == {"valid", "invalid", "warning", "linux-only", "windows-only"}
    for name in LOC_BAGS:
        category = name.split("/")[1]
        assert (name in LOC_ERRORS) == (category in ("invalid", "linux-only", "windows-only")), name
        assert (name in LOC_WARNINGS) == (category == "warning"), name


@pytest.mark.parametrize("name", LOC_BAGS)
def test_loc_conformance_bag(name: str) -> None:
    verdict, errors = loc_expectation(name)
    check = check_bag(LOC / name)
    assert check.valid is (verdict == VALID), [p.message for p in check.errors]
    assert errors <= found(check), [p.message for p in check.errors]
    if name in LOC_WARNINGS:
        code, words = LOC_WARNINGS[name]
        assert warned(check, words, code), [(p.code, p.message) for p in check.warnings]


def test_loc_versions_and_info_are_read() -> None:
    iso = check_bag(LOC / "v0.97/valid/ISO-8859-1-encoded-tag-files")
    utf16 = check_bag(LOC / "v0.97/valid/UTF-16-encoded-tag-files")
    assert iso.info == utf16.info and ("Contact-Name", "Chris Adams") in utf16.info
    old = check_bag(LOC / "v0.93/valid/duplicate-metadata-entries")  # package-info.txt
    assert old.version == "0.93" and old.algorithms == ("md5",) and old.payload_files == 5
    assert [v for k, v in old.info if k == "Contact-Name"] == ["Edna Janssen", "foo Janssen"]
    seps = check_bag(LOC / "v0.97/valid/uncommon-metadata-separators").info
    assert [v for k, v in seps if k == "Test-Tag"] == ["1", "2", "3", "4", "5"]


# --- bagit-java test resources, where its README gives a verdict ------------------------------
JAVA_CASES = [
    *[(f"bags/v0_9{n}/bag", VALID, set()) for n in (3, 4, 5, 6, 7)],
    *[(f"bags/v0_96/{b}", VALID, set()) for b in (
        "bag-in-a-bag", "bag-with-encoded-names", "bag-with-escapable-characters",
        "bag-with-leading-dot-slash-in-manifest", "bag-with-space", "holey-bag",
        "bag-with-tagfiles-in-payload-manifest")],  # tag file in a payload manifest: a warning before 1.0
    ("bags/v2_0/bag", INVALID, {("E501", "bagit.txt")}),  # bagit-java's experimental .bagit layout, not RFC 8493
    ("ISO-8859-1-encodedBag", VALID, set()),
    ("UTF-16-encoded-tag-files", VALID, set()),  # "readable"; its fetch.txt names a file no manifest lists: warning
    ("bag-with-leading-dot-slash-in-manifest", VALID, set()),
    ("corruptPayloadFile", INVALID, {("E503", "data/dir1/test3.txt")}),
    ("corruptTagFile", INVALID, {("E503", "bagit.txt")}),
    ("badPayloadOxumByteSize/bag", INVALID, {("E506", "package-info.txt")}),
    ("badPayloadOxumFileCount/bag", INVALID, {("E506", "package-info.txt")}),
    ("badPayloadChecksum", VALID, set()),  # "despite the name, digests match"
    ("bad-fetch-bag", INVALID, {("E501", "data"), ("E509", "data/wikipedia.png")}),
    ("filesInManifestDontExist", INVALID, {("E504", "data/test1.txt"), ("E505", "data/.keep")}),
    ("filesInPayloadDirAreNotInManifest", INVALID, {("E505", "data/test1.txt")}),
    ("notAllFilesListedInAllManifestsBag", INVALID, {("E505", "data/ham")}),
    # README expects a linter warning (manifest sets differ); data/bar.txt is also absent, so incomplete.
    ("payloadManifestsDiffer", INVALID, {("E504", "data/bar.txt")}),
    ("tagManifestsDiffer", VALID, set()),
    ("sha3Bag", VALID, set()),  # valid with SHA3-256 support, which hashlib has
    ("linterTestBag", INVALID, {("E501", "bagit.txt")}),  # "not meant to be valid": third line in bagit.txt
    ("hiddenFoldersAndFiles", INVALID, {("E501", "bagit.txt")}),  # a plain folder, not a bag
    *[(f"bagitProfileTestBags/{b}", VALID, set()) for b in (  # "All nine are valid BagIt bags"
        "profileConformantBag", "emailFieldMissingBag", "wrongValueForContactNameBag", "repeatedMetadataBag",
        "missingRequiredPayloadManifestBag", "missingRequiredTagManifestBag", "missingRequiredTagFileBag",
        "failFetchBag", "wrongBagitVersionBag")],
]
JAVA_WARNINGS = {
    "bags/v0_96/bag-with-tagfiles-in-payload-manifest": r"not under data/",
    "UTF-16-encoded-tag-files": r"in no payload manifest",
    "tagManifestsDiffer": r"tag manifests list different files",
}


@pytest.mark.parametrize(("name", "verdict", "errors"), [
    *JAVA_CASES,
    pytest.param("dotKeepExampleBag", INVALID, set(),
                 marks=pytest.mark.skip(reason="README gives no verdict (a payload-walk fixture)")),
])
def test_bagit_java_bag(name: str, verdict: str, errors: set[tuple[str, str]]) -> None:
    check = check_bag(JAVA / name)
    assert check.valid is (verdict == VALID), [p.message for p in check.errors]
    assert errors <= found(check), [p.message for p in check.errors]
    if name in JAVA_WARNINGS:
        assert warned(check, JAVA_WARNINGS[name])


def _java_bag_copy(tmp_path: Path, name: str = "bags/v0_97/bag") -> Path:
    bag = tmp_path / "bag"
    shutil.copytree(JAVA / name, bag)
    for tm in bag.glob("tagmanifest-*.txt"):
        tm.unlink()  # so that only the spliced-in problem is reported
    return bag


@pytest.mark.parametrize("fixture", sorted(p.name for p in (JAVA / "maliciousManifestFile").glob("*.txt")))
def test_malicious_manifest_lines_are_rejected(tmp_path: Path, fixture: str) -> None:
    bag = _java_bag_copy(tmp_path)
    line = (JAVA / "maliciousManifestFile" / fixture).read_bytes().strip()
    with open(bag / "manifest-md5.txt", "ab") as f:
        f.write(line + b"\r\n")
    check = check_bag(bag)
    assert found(check) == {("E502", "manifest-md5.txt")}
    assert [p.line for p in check.errors] == [6]


@pytest.mark.parametrize("fixture", sorted(p.name for p in (JAVA / "maliciousFetchFile").glob("*.txt")))
def test_malicious_fetch_lines_are_rejected(tmp_path: Path, fixture: str) -> None:
    bag = _java_bag_copy(tmp_path)
    shutil.copy(JAVA / "maliciousFetchFile" / fixture, bag / "fetch.txt")
    assert found(check_bag(bag)) == {("E502", "fetch.txt")}


@pytest.mark.parametrize("fixture", sorted(p.name for p in (JAVA / "fetchFiles").glob("*.txt")))
def test_well_formed_fetch_files_are_accepted(tmp_path: Path, fixture: str) -> None:
    bag = _java_bag_copy(tmp_path, "bags/v0_96/holey-bag")
    shutil.copy(JAVA / "fetchFiles" / fixture, bag / "fetch.txt")
    check = check_bag(bag)
    assert check.valid and not any(p.path == "fetch.txt" for p in check.problems)


@pytest.mark.parametrize(("fixture", "line"), [("badIndent.txt", 2), ("badKeyValueSeparator.txt", 1)])
def test_bad_bag_info_lines_are_rejected(tmp_path: Path, fixture: str, line: int) -> None:
    bag = _java_bag_copy(tmp_path)
    shutil.copy(JAVA / "badBagMetadata" / fixture, bag / "bag-info.txt")
    check = check_bag(bag)
    assert found(check) == {("E501", "bag-info.txt")} and [p.line for p in check.errors] == [line]


@pytest.mark.parametrize(("fixture", "ok"), [("bagit-0.97.txt", True), ("bagit-with-bom.txt", False)])
def test_bagit_txt_fixtures(tmp_path: Path, fixture: str, ok: bool) -> None:
    bag = _java_bag_copy(tmp_path)
    shutil.copy(JAVA / "bagitFiles" / fixture, bag / "bagit.txt")
    check = check_bag(bag)
    assert check.valid is ok and check.version == "0.97"


# --- APTrust DART test bags (serialized): BagIt column of their README --------------------------
APTRUST_CASES: dict[str, tuple[str, set[tuple[str, str | None]]]] = {
    "example.edu.sample_good.tar": (VALID, set()),
    "example.edu.sample_good.zip": (VALID, set()),
    "example.edu.tagsample_good.tar": (VALID, set()),
    "example.edu.tagsample_good.tar.gz": (VALID, set()),
    "example.edu.tagsample_good.tgz": (VALID, set()),
    "example.edu.tagsample_bad.tar": (INVALID, {("E502", "manifest-sha256.txt"), ("E504", "data/file-not-in-bag"),
                                                ("E508", "custom_tags/tag_file_xyz.pdf"),
                                                ("E503", "custom_tags/tracked_tag_file.txt")}),
    "example.edu.sample_bad_oxum.tar": (INVALID, {("E506", "bag-info.txt")}),
    "example.edu.sample_missing_data_file.tar": (INVALID, {("E504", "data/datastream-DC")}),
    "example.edu.sample_no_data_dir.tar": (INVALID, {("E501", "data"), ("E504", "data/datastream-DC")}),
    "example.edu.sample_no_md5_manifest.tar": (INVALID, {("E502", None)}),
    "example.edu.sample_no_bag_info.tar": (VALID, set()),
    "example.edu.sample_wrong_folder_name.tar": (VALID, set()),
    "test.edu.sample_illegal_control.tar": (VALID, set()),  # literal "\u007f" in a name: backslash warning
    "virginia.edu.uva-lib_2278801.tar": (VALID, set()),
    "test.edu.btr-glacier-deep-oh.tar": (VALID, set()),
    "test.edu.btr-wasabi-or.tar": (VALID, set()),
}


def test_every_aptrust_bag_has_an_expectation() -> None:
    assert sorted(APTRUST_CASES) == sorted(p.name for p in APTRUST.iterdir())


@pytest.mark.parametrize("archive", sorted(APTRUST_CASES))
def test_aptrust_bag_read_in_place(tmp_path: Path, archive: str) -> None:
    """Each archive is validated as it is (never extracted), with the README's verdict;
    extracted, the folder gets the same verdict and the same errors."""
    verdict, errors = APTRUST_CASES[archive]
    check = check_bag(APTRUST / archive)
    assert check.valid is (verdict == VALID), [p.message for p in check.errors]
    assert errors <= found(check), [p.message for p in check.errors]
    assert check.serialization == ("application/zip" if archive.endswith(".zip") else
                                   "application/tar" if archive.endswith(".tar") else "application/tar+gzip")
    if archive.endswith(".zip"):
        with zipfile.ZipFile(APTRUST / archive) as z:
            z.extractall(tmp_path)
    else:
        with tarfile.open(APTRUST / archive) as t:
            t.extractall(tmp_path, filter="data")
    (bag,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    loose = check_bag(bag)
    assert found(loose) == found(check)
    assert found(loose, "warning") == found(check, "warning") - {("W512", f"{bag.name}/")}


def test_top_folder_named_unlike_the_archive_is_warned() -> None:
    check = check_bag(APTRUST / "example.edu.sample_wrong_folder_name.tar")
    assert check.valid and check.name == "wrong_folder_name"
    assert ("W512", "wrong_folder_name/") in found(check, "warning")


# --- crafted cases: where bagit 1.9.0 is wrong (docs/validator.md), and other rules ----------------
def _write_bag(out: Path, name: str = "mybag", files: dict[str, bytes] | None = None) -> Path:
    rnd = random.Random(7)
    files = files or {"objects/Surv - 001.jpg": rnd.randbytes(5000), "metadata/notes.txt": b"notes\n"}
    with BagWriter(out, name) as writer:
        for rel, data in files.items():
            writer.add_bytes(rel, data)
        return writer.finish([("Source-Organization", "Test")])


def _retag(bag: Path) -> None:
    """Recompute the tag manifests after an edit, as a careful forger (or a sloppy tool) would."""
    for tm in bag.glob("tagmanifest-*.txt"):
        alg = tm.name[len("tagmanifest-"):-4]
        names = [line.split("  ", 1)[1] for line in tm.read_text().splitlines()]
        tm.write_text("".join(f"{hashlib.new(alg, (bag / n).read_bytes()).hexdigest()}  {n}\n" for n in names))


def _bagit_accepts(bag: Path) -> bool:
    try:
        bagit.Bag(str(bag)).validate()
    except bagit.BagError:
        return False
    return True


def test_file_missing_from_one_of_two_manifests(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    m512 = bag / "manifest-sha512.txt"
    m512.write_text("".join(line for line in m512.read_text().splitlines(True) if "notes.txt" not in line))
    _retag(bag)
    assert _bagit_accepts(bag)  # bagit 1.9.0: false pass
    check = check_bag(bag)
    assert found(check) == {("E505", "data/metadata/notes.txt")}
    assert "manifest-sha512.txt" in check.errors[0].message


def test_space_before_colon_in_bagit_txt(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    (bag / "bagit.txt").write_text("BagIt-Version : 1.0\nTag-File-Character-Encoding: UTF-8\n")
    _retag(bag)
    assert _bagit_accepts(bag)  # bagit 1.9.0: false pass
    check = check_bag(bag)
    assert found(check) == {("E501", "bagit.txt")} and check.errors[0].line == 1
    assert "before the colon" in check.errors[0].message


def _sibling_secret(tmp_path: Path) -> tuple[Path, bytes]:
    secret = b"secret outside the bag\n"
    (tmp_path / "mybag-evil").mkdir()
    (tmp_path / "mybag-evil" / "secret.txt").write_bytes(secret)
    return _write_bag(tmp_path), secret


def _add_line(bag: Path, data: bytes, path: str) -> None:
    for alg in ("sha256", "sha512"):
        with open(bag / f"manifest-{alg}.txt", "a") as f:
            f.write(f"{hashlib.new(alg, data).hexdigest()}  {path}\n")


def test_escape_into_sibling_folder_with_the_bags_name_as_prefix(tmp_path: Path) -> None:
    bag, secret = _sibling_secret(tmp_path)
    _add_line(bag, secret, "data/../../mybag-evil/secret.txt")
    _retag(bag)
    assert _bagit_accepts(bag)  # bagit 1.9.0 compares string prefixes: /x/mybag-evil "is inside" /x/mybag
    check = check_bag(bag)
    assert found(check) == {("E502", "manifest-sha256.txt"), ("E502", "manifest-sha512.txt")}
    assert all("'..'" in p.message for p in check.errors)


def test_escape_through_a_symbolic_link(tmp_path: Path) -> None:
    bag, secret = _sibling_secret(tmp_path)
    os.symlink("../../mybag-evil/secret.txt", bag / "data" / "link.txt")
    _add_line(bag, secret, "data/link.txt")
    info = (bag / "bag-info.txt").read_text()
    (bag / "bag-info.txt").write_text(re.sub(r"Payload-Oxum: .*", f"Payload-Oxum: {5006 + len(secret)}.3", info))
    _retag(bag)
    assert _bagit_accepts(bag)  # same string-prefix test, through a link
    check = check_bag(bag)
    assert found(check) == {("E502", "data/link.txt")}
    assert "outside the bag" in check.errors[0].message


def test_extra_payload_file_is_named(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    (bag / "data" / "objects" / "extra.jpg").write_bytes(b"smuggled")
    with pytest.raises(bagit.BagValidationError) as err:
        bagit.Bag(str(bag)).validate()
    assert "Payload-Oxum" in str(err.value) and "extra.jpg" not in str(err.value)  # bagit 1.9.0: not named
    check = check_bag(bag)
    assert found(check) == {("E505", "data/objects/extra.jpg"), ("E506", "bag-info.txt")}
    assert {re.search(r"manifest-\w+\.txt", p.message)[0] for p in check.errors if p.code == "E505"} == {
        "manifest-sha256.txt", "manifest-sha512.txt"}
    # with a matching Payload-Oxum bagit 1.9.0 still rejects, we still name the file
    info = (bag / "bag-info.txt").read_text()
    (bag / "bag-info.txt").write_text(re.sub(r"Payload-Oxum: (\d+)\.(\d+)", "Payload-Oxum: 5014.3", info))
    _retag(bag)
    assert found(check_bag(bag)) == {("E505", "data/objects/extra.jpg")}


def test_flipped_byte_names_the_file_for_each_algorithm(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    target = bag / "data" / "objects" / "Surv - 001.jpg"
    data = bytearray(target.read_bytes())
    data[2500] ^= 0x01
    target.write_bytes(bytes(data))
    assert not _bagit_accepts(bag)
    check = check_bag(bag)
    assert found(check) == {("E503", "data/objects/Surv - 001.jpg")}
    assert sorted(p.message.split()[2] for p in check.errors) == ["sha256", "sha512"]
    assert check_bag(bag, completeness_only=True).valid  # no hashing in that mode
    assert check_bag(bag, fast=True).valid  # same size and count: Payload-Oxum cannot tell


def test_fast_and_completeness_modes_read_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bag = _write_bag(tmp_path)
    (bag / "data" / "metadata" / "notes.txt").write_bytes(b"longer notes\n")
    (bag / "data" / "extra.txt").write_bytes(b"x")
    full = found(check_bag(bag))
    assert ("E503", "data/metadata/notes.txt") in full

    def no_hashing(*args: object, **kwargs: object) -> None:
        raise AssertionError("a file was hashed")

    monkeypatch.setattr("packager.validate.hashpool.digest_file", no_hashing)
    expected = {("E506", "bag-info.txt"), ("E505", "data/extra.txt")}
    assert found(check_bag(bag, fast=True)) == expected
    assert found(check_bag(bag, completeness_only=True)) == expected


def test_version_decides_whether_every_manifest_must_list_every_file(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    m512 = bag / "manifest-sha512.txt"
    m512.write_text("".join(line for line in m512.read_text().splitlines(True) if "notes.txt" not in line))
    (bag / "bagit.txt").write_text("BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n")
    _retag(bag)
    check = check_bag(bag)  # legal before 1.0, but worth a warning
    assert check.valid and warned(check, "from BagIt 1.0 every payload manifest must list every file")


def test_manifest_quirks_that_still_find_the_file(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    m256 = bag / "manifest-sha256.txt"
    m256.write_text(m256.read_text().replace("notes.txt\n", "notes.txt \n"))
    (bag / "data" / "folder").mkdir()
    with open(m256, "a") as f:
        f.write(f"{'0' * 64}  data/folder\n")
    _retag(bag)
    check = check_bag(bag)
    assert warned(check, "trailing blanks")
    assert found(check) == {("E502", "data/folder")}


def test_progress_reports_bytes_hashed(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    calls: list[tuple[int, int]] = []
    check = check_bag(bag, progress=lambda done, total: calls.append((done, total)))
    tag_bytes = sum(p.stat().st_size for p in bag.glob("*.txt") if not p.name.startswith("tagmanifest"))
    assert calls[-1] == (check.payload_bytes + tag_bytes,) * 2
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_percent_encoded_names_in_a_1_0_bag(tmp_path: Path) -> None:
    bag = tmp_path / "handmade"  # by hand: the writer refuses line breaks in names
    (bag / "data").mkdir(parents=True)
    files = {"data/a%b.txt": b"1", "data/line\nbreak.txt": b"2", "data/cr\rhere.txt": b"3", "data/%7E.txt": b"4"}
    for rel, data in files.items():
        (bag / rel).write_bytes(data)
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    encoded = {"data/a%b.txt": "data/a%25b.txt", "data/line\nbreak.txt": "data/line%0Abreak.txt",
               "data/cr\rhere.txt": "data/cr%0dhere.txt", "data/%7E.txt": "data/%257E.txt"}
    (bag / "manifest-sha256.txt").write_text(
        "".join(f"{hashlib.sha256(d).hexdigest()}  {encoded[r]}\n" for r, d in files.items()), newline="")
    check = check_bag(bag)
    assert check.valid and check.payload_files == 4
    assert [p.code for p in check.problems] == ["W526"]  # handmade without a tag manifest
    # the same names unencoded: a bare % is an error from 1.0 on
    (bag / "manifest-sha256.txt").write_text(f"{hashlib.sha256(b'1').hexdigest()}  data/a%b.txt\n")
    assert ("E502", "manifest-sha256.txt") in found(check_bag(bag))


def test_pre_1_0_bags_are_not_percent_decoded(tmp_path: Path) -> None:
    check = check_bag(LOC / "v0.97/valid/bag-with-encoded-names")
    assert check.valid and check.payload_files == 5


def test_tag_manifest_rules(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    payload_line = (bag / "manifest-sha256.txt").read_text().splitlines()[0]
    tm = bag / "tagmanifest-sha256.txt"
    other = bag / "tagmanifest-sha512.txt"
    tm.write_text(tm.read_text() + payload_line + "\n"
                  + f"{hashlib.sha256(other.read_bytes()).hexdigest()}  tagmanifest-sha512.txt\n"
                  + f"{'0' * 64}  gone.txt\n")
    check = check_bag(bag)
    assert found(check) == {("E508", "tagmanifest-sha256.txt"), ("E508", "gone.txt")}
    assert len([p for p in check.errors if p.path == "tagmanifest-sha256.txt"]) == 2
    assert warned(check, "tag manifests list different files")


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    (bag / "data" / "metadata" / "notes.txt").unlink()
    (bag / "data" / "new.txt").write_bytes(b"new")
    (bag / "bagit.txt").write_text("BagIt-Version: 1.0\n")
    (bag / "manifest-sha256.txt").write_text((bag / "manifest-sha256.txt").read_text() + "nothex  data/x\n")
    codes = {code for code, _ in found(check_bag(bag))}
    assert codes == {"E501", "E502", "E503", "E504", "E505", "E506"}  # E503: bagit.txt vs its tag manifest


def test_weak_and_unknown_algorithms_are_warned(tmp_path: Path) -> None:
    with BagWriter(tmp_path, "weak", ("md5",)) as writer:
        writer.add_bytes("a.txt", b"a")
        bag = writer.finish([])
    shutil.copy(bag / "manifest-md5.txt", bag / "manifest-crc32.txt")
    check = check_bag(bag)
    assert check.valid and check.algorithms == ("crc32", "md5")
    assert warned(check, "md5 is a weak checksum", "W529") and warned(check, "'crc32' is not supported")


def test_missing_file_to_be_fetched_is_an_incomplete_bag(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    (bag / "data" / "metadata" / "notes.txt").unlink()
    (bag / "fetch.txt").write_text("https://example.org/notes.txt 6 data/metadata/notes.txt\n")
    check = check_bag(bag)
    assert found(check) == {("E509", "data/metadata/notes.txt")}
    assert "https://example.org/notes.txt" in check.errors[0].message


def test_special_files_are_not_opened(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    os.mkfifo(bag / "data" / "pipe")
    os.symlink("/etc/hostname", bag / "data" / "outside")
    check = check_bag(bag)  # must return, not block on the FIFO
    assert {("E501", "data/pipe"), ("E502", "data/outside")} <= found(check)


def test_not_a_folder(tmp_path: Path) -> None:
    check = check_bag(tmp_path / "nothing")
    assert not check.valid and check.errors[0].code == "E501" and check.to_dict()["valid"] is False


def test_utf8_bom_in_a_manifest_is_a_warning(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    m256 = bag / "manifest-sha256.txt"
    m256.write_bytes(b"\xef\xbb\xbf" + m256.read_bytes())
    _retag(bag)
    check = check_bag(bag)
    assert check.valid and warned(check, "byte-order mark")


# --- found in review: forgeries that passed, and inputs that crashed the checker ---------------
def _set_oxum(bag: Path, value: str) -> None:
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    (bag / "bag-info.txt").write_text(re.sub(r"Payload-Oxum: .*", f"Payload-Oxum: {value}", info), encoding="utf-8")
    _retag(bag)


def test_payload_folder_that_is_a_link_out_of_the_bag(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    shutil.move(bag / "data", elsewhere)
    os.symlink(elsewhere, bag / "data")
    check = check_bag(bag)  # the manifests and Oxum match what lies behind the link
    assert not check.valid
    assert ("E501", "data") in found(check)
    assert "symbolic link" in next(p.message for p in check.errors if p.path == "data")
    assert check.payload_files == 0  # nothing outside the bag was read as payload


def test_link_to_a_file_inside_the_bag_is_warned(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    os.symlink("notes.txt", bag / "data" / "metadata" / "alias.txt")
    _add_line(bag, b"notes\n", "data/metadata/alias.txt")
    _set_oxum(bag, "5012.3")
    check = check_bag(bag)
    assert check.valid  # the bytes are inside the bag and verified
    assert warned(check, r"data/metadata/alias.txt is a symbolic link to data/metadata/notes.txt")


def test_no_supported_payload_manifest_is_not_valid(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    (bag / "data" / "metadata" / "notes.txt").write_bytes(b"forged")  # same size
    (bag / "manifest-sha256.txt").rename(bag / "manifest-sha999.txt")
    (bag / "manifest-sha512.txt").rename(bag / "manifest-crc64.txt")
    for tm in bag.glob("tagmanifest-*.txt"):
        tm.unlink()
    check = check_bag(bag)  # nothing could be verified: that is not a valid bag
    assert found(check) == {("E502", "manifest-crc64.txt")}
    assert "no payload manifest uses a supported checksum algorithm" in check.errors[0].message
    assert check_bag(bag, completeness_only=True).valid  # complete it is


@pytest.mark.parametrize("oxum", ["１２３.4", "9" * 5000 + ".2", "5006.٢"])
def test_payload_oxum_needs_ascii_digits_and_never_crashes(tmp_path: Path, oxum: str) -> None:
    bag = _write_bag(tmp_path)
    _set_oxum(bag, oxum)
    check = check_bag(bag)
    assert not check.valid and {p.code for p in check.errors} <= {"E501", "E506"}
    assert all(len(p.message) < 200 for p in check.errors)


def test_payload_oxum_with_leading_zeros_is_compared_as_a_number(tmp_path: Path) -> None:
    bag = _write_bag(tmp_path)
    _set_oxum(bag, "0005006.02")
    assert check_bag(bag).valid


@pytest.mark.parametrize("version", ["１.０", "1" + "0" * 5000 + ".0"])
def test_bagit_version_needs_ascii_digits_and_never_crashes(tmp_path: Path, version: str) -> None:
    bag = _write_bag(tmp_path)
    (bag / "bagit.txt").write_text(f"BagIt-Version: {version}\nTag-File-Character-Encoding: UTF-8\n")
    _retag(bag)
    check = check_bag(bag)
    assert ("E501", "bagit.txt") in found(check)
    assert "not a version number" in check.errors[0].message and len(check.errors[0].message) < 200


@pytest.mark.parametrize("algorithm", ["md5", "sha1", "sha256", "sha512"])
def test_bags_made_by_bagit_make_bag_pass(tmp_path: Path, algorithm: str) -> None:
    folder = tmp_path / "made"
    (folder / "sub").mkdir(parents=True)
    (folder / "é ü.txt").write_bytes(b"accents\n")
    (folder / "sub" / "Ünïcode 😀.bin").write_bytes(bytes(range(256)))
    bagit.make_bag(str(folder), {"Contact-Name": "Édouard"}, checksums=[algorithm])
    check = check_bag(folder)
    assert check.valid and check.payload_files == 2, [p.message for p in check.errors]
    assert {p.code for p in check.problems} <= {"W525", "W529"}  # bagit-python writes BagIt 0.97
    assert all("weak" in p.message for p in check.problems if p.code != "W525")

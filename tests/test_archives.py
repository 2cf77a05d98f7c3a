"""Serialized bags: .tar, .tar.gz/.tgz and .zip validated in place, never extracted.

The archives are built here from our own sample bag or by hand (tarfile and
zipfile can write members no archiver would offer: absolute paths, '..',
links, devices), so each case names exactly the problem it expects.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from packager.validate import archive as bagit_archive
from packager.validate import archive_tar
from packager.validate.check import BagCheck, check_bag
from packager.validate.folder import DirSource

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def found(check: BagCheck, severity: str = "error") -> set[tuple[str, str | None]]:
    return {(p.code, p.path) for p in check.problems if p.severity == severity}


def tar_of(folder: Path, target: Path, mode: str = "w") -> Path:
    with tarfile.open(target, mode) as tar:
        tar.add(folder, arcname=folder.name)
    return target


def zip_of(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            z.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")
    return target


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes, **attrs: object) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data))


def small_bag(tar: tarfile.TarFile, top: str = "bag", payload: bytes = b"hello\n") -> None:
    """A valid minimal BagIt 1.0 bag written member by member."""
    import hashlib

    add_bytes(tar, f"{top}/bagit.txt", BAGIT_TXT)
    add_bytes(tar, f"{top}/data/hello.txt", payload)
    line = f"{hashlib.sha256(payload).hexdigest()}  data/hello.txt\n".encode()
    add_bytes(tar, f"{top}/manifest-sha256.txt", line)


@pytest.fixture
def no_disk_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty TMPDIR and working folder: after validation they must still be empty."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.chdir(scratch)
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    return scratch


@pytest.mark.parametrize(("suffix", "mime"), [(".tar", "application/tar"), (".tar.gz", "application/tar+gzip"),
                                              (".tgz", "application/tar+gzip"), (".zip", "application/zip")])
def test_our_bag_serialized_is_valid_and_says_what_the_folder_says(sample_bag: Path, tmp_path: Path,
                                                                   suffix: str, mime: str,
                                                                   no_disk_writes: Path) -> None:
    archive = tmp_path / f"{sample_bag.name}{suffix}"
    if suffix == ".zip":
        zip_of(sample_bag, archive)
    else:
        tar_of(sample_bag, archive, "w:gz" if suffix != ".tar" else "w")
    loose, packed = check_bag(sample_bag), check_bag(archive)
    assert packed.valid, [p.message for p in packed.errors]
    assert packed.serialization == mime and packed.name == sample_bag.name
    assert (packed.payload_files, packed.payload_bytes) == (loose.payload_files, loose.payload_bytes)
    assert packed.problems == loose.problems
    assert list(no_disk_writes.iterdir()) == []


def test_a_changed_byte_inside_the_archive_is_found(sample_bag: Path, tmp_path: Path) -> None:
    image = sorted((sample_bag / "data" / "objects").iterdir())[0]
    data = bytearray(image.read_bytes())
    data[-3] ^= 0xFF
    image.write_bytes(bytes(data))
    rel = image.relative_to(sample_bag).as_posix()
    for archive in (tar_of(sample_bag, tmp_path / "b.tar.gz", "w:gz"), zip_of(sample_bag, tmp_path / "b.zip")):
        check = check_bag(archive)
        assert ("E503", rel) in found(check)
        assert {code for code, _ in found(check)} == {"E503"}


def test_dangerous_members_are_errors_and_never_read(tmp_path: Path) -> None:
    archive = tmp_path / "bag.tar"
    with tarfile.open(archive, "w") as tar:
        small_bag(tar)
        add_bytes(tar, "/etc/evil.txt", b"absolute")
        add_bytes(tar, "bag/data/../../escape.txt", b"climb")
        add_bytes(tar, "bag/data/link", b"", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add_bytes(tar, "bag/data/hard", b"", type=tarfile.LNKTYPE, linkname="bag/data/hello.txt")
        add_bytes(tar, "bag/data/device", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        add_bytes(tar, "bag/data/pipe", b"", type=tarfile.FIFOTYPE)
    check = check_bag(archive)
    e510 = {p.path: p.message for p in check.problems if p.code == "E510"}
    assert set(e510) == {"/etc/evil.txt", "bag/data/../../escape.txt", "bag/data/link", "bag/data/hard",
                         "bag/data/device", "bag/data/pipe"}
    assert "absolute" in e510["/etc/evil.txt"] and "'..'" in e510["bag/data/../../escape.txt"]
    assert "symbolic link to '/etc/passwd'" in e510["bag/data/link"]
    assert "hard link" in e510["bag/data/hard"] and "character device" in e510["bag/data/device"]
    assert "FIFO" in e510["bag/data/pipe"]
    assert not check.valid and check.payload_files == 5  # hello.txt and the four refused members


def test_layout_rules_one_top_folder_named_like_the_archive(tmp_path: Path) -> None:
    two = tmp_path / "two.tar"
    with tarfile.open(two, "w") as tar:
        small_bag(tar, top="two")
        add_bytes(tar, "other/bagit.txt", BAGIT_TXT)
        add_bytes(tar, "README.txt", b"loose")
    check = check_bag(two)
    assert ("E510", "other/bagit.txt") in found(check) and ("E510", "README.txt") in found(check)
    assert "second top folder other/" in next(p.message for p in check.problems if p.path == "other/bagit.txt")

    flat = tmp_path / "flat.zip"  # the bag's contents zipped, not the bag folder
    with zipfile.ZipFile(flat, "w") as z:
        z.writestr("bagit.txt", BAGIT_TXT)
        z.writestr("data/hello.txt", b"hello\n")
    check = check_bag(flat)
    assert ("E510", "bagit.txt") in found(check)
    assert "archive the bag's folder itself" in " ".join(p.message for p in check.errors)

    renamed = tmp_path / "archive-name.tar"
    with tarfile.open(renamed, "w") as tar:
        small_bag(tar, top="folder-name")
    check = check_bag(renamed)
    assert check.valid and check.name == "folder-name" and check.archive_name == "archive-name"
    assert ("W512", "folder-name/") in found(check, "warning")


def test_a_member_twice_is_an_error(tmp_path: Path) -> None:
    archive = tmp_path / "bag.tar"
    with tarfile.open(archive, "w") as tar:
        small_bag(tar)
        add_bytes(tar, "bag/data/hello.txt", b"the second copy wins when unpacked\n")
    check = check_bag(archive)
    assert ("E510", "bag/data/hello.txt") in found(check)
    assert "more than once" in next(p.message for p in check.problems if p.code == "E510")


def test_archive_bombs_stop_before_expanding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bagit_archive, "BOMB_FLOOR", 1 << 20)
    zeros = b"\0" * (8 << 20)  # 8 MiB compressing to a few KiB: ratio far above 100
    tgz = tmp_path / "bomb.tar.gz"
    with tarfile.open(tgz, "w:gz") as tar:
        small_bag(tar, top="bomb", payload=zeros)
    zipped = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb/bagit.txt", BAGIT_TXT)
        z.writestr("bomb/data/zeros.bin", zeros)
    for archive in (tgz, zipped):
        check = check_bag(archive)
        assert [p.code for p in check.errors] == ["E511"], [p.message for p in check.problems]
        assert "archive bomb" in check.errors[0].message and check.payload_files == 0


def test_damaged_and_foreign_files_are_named(tmp_path: Path) -> None:
    good = tmp_path / "bag.tar.gz"
    with tarfile.open(good, "w:gz") as tar:
        small_bag(tar, payload=os.urandom(200_000))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    check = check_bag(cut)
    assert "E513" in {code for code, _ in found(check)} and "truncated or damaged" in check.errors[0].message

    text = tmp_path / "notes.txt"
    text.write_text("not a bag")
    check = check_bag(text)
    assert [p.code for p in check.errors] == ["E513"] and "not a bag folder" in check.errors[0].message


def test_encrypted_zip_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bag.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bag/bagit.txt", BAGIT_TXT)
        z.writestr("bag/data/secret.txt", b"x")
    raw = bytearray(archive.read_bytes())
    for signature in (b"PK\x03\x04", b"PK\x01\x02"):  # set the "encrypted" flag of the second member
        at = raw.find(signature, raw.find(signature) + 1)
        flag_at = at + (6 if signature == b"PK\x03\x04" else 8)
        raw[flag_at] |= 0x1
    archive.write_bytes(bytes(raw))
    check = check_bag(archive)
    assert ("E510", "data/secret.txt") in found(check)
    assert "encrypted" in next(p.message for p in check.problems if p.code == "E510")


def test_parallel_hashing_gives_the_same_report(sample_bag: Path) -> None:
    objects = sorted((sample_bag / "data" / "objects").iterdir())
    for image in objects[:3]:
        image.write_bytes(image.read_bytes() + b"tail")
    one, two = check_bag(sample_bag, workers=1), check_bag(sample_bag, workers=2)
    assert one.problems == two.problems
    assert {("E503", o.relative_to(sample_bag).as_posix()) for o in objects[:3]} <= found(two)


def test_parallel_hashing_reads_each_file_once_for_all_algorithms(tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    (bag / "data").mkdir(parents=True)
    for n in range(6):
        (bag / "data" / f"f{n}.bin").write_bytes(os.urandom(1000 + n))
    source = DirSource(bag)
    wanted = {f"data/f{n}.bin": {"md5", "sha256", "sha512"} for n in range(6)}
    ticks: list[int] = []
    results = dict(source.digests(wanted, ticks.append, workers=2))
    assert set(results) == set(wanted)
    assert all(set(r) == {"md5", "sha256", "sha512"} for r in results.values() if isinstance(r, dict))
    assert sum(ticks) == sum(1000 + n for n in range(6))  # each file's size counted once


def test_zip_links_and_devices_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "bag.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("bag/bagit.txt", BAGIT_TXT)
        link = zipfile.ZipInfo("bag/data/link")
        link.external_attr = 0o120777 << 16  # a symbolic link, as Info-ZIP stores one
        z.writestr(link, "/etc/passwd")
        fifo = zipfile.ZipInfo("bag/data/pipe")
        fifo.external_attr = 0o010644 << 16
        z.writestr(fifo, "")
        z.writestr("bag/data/../../up.txt", b"x")
    check = check_bag(archive)
    e510 = {p.path: p.message for p in check.problems if p.code == "E510"}
    assert set(e510) == {"bag/data/link", "bag/data/pipe", "bag/data/../../up.txt"}
    assert "symbolic link" in e510["bag/data/link"] and "FIFO" in e510["bag/data/pipe"]


def test_files_too_large_to_keep_are_read_in_a_later_pass(sample_bag: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing kept in memory while listing: every tag file is found again in the stream."""
    monkeypatch.setattr(archive_tar, "_CACHE_FILE", 0)
    archive = tar_of(sample_bag, tmp_path / f"{sample_bag.name}.tar.gz", "w:gz")
    assert check_bag(archive).problems == check_bag(sample_bag).problems

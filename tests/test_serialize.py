"""The creating side of serialization: a bag folder written as one .tar, .tar.gz or .zip.

Each archive is read back by the packager's own validator (in place), by Python's
tarfile and zipfile, by GNU tar, and, once extracted, by bagit 1.9.0. The bags are
the sample collection packaged by the CLI (conftest's ``sample_bag``) and small
bags written with the packager's BagWriter for names and order.
"""

from __future__ import annotations

import calendar
import datetime as dt
import errno
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import stat
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import bagit
import pytest

from packager.bag.serialize import KINDS, MIME, SUFFIX, _ReadFailure, _Source, kind_for_mime, serialize
from packager.bag.writer import BagWriter
from packager.errors import BagError
from packager.validate import archive as receiving
from packager.validate.validator import validate

from .conftest import CONFORMANCE, ROOT

MTIME = calendar.timegm((2024, 5, 1, 0, 0, 0, 0, 0, 0))  # a bagging date, 00:00 UTC
APTRUST = CONFORMANCE / "aptrust-dart-testbags" / "profiles" / "builtin" / "aptrust-v2.3.json"
LONG = "data/" + "a" * 40 + "/" + "b" * 40 + "/" + "c" * 59 + ".txt"  # 150 bytes, ASCII
NON_ASCII = "data/Ünïcödé – 北京/照片 №1.txt"


def write_archive(folder: Path, out: Path, kind: str, top: str | None = None) -> Path:
    """As the pipeline does: write ``<bag><suffix>.partial``, then rename it."""
    name = top or folder.name
    final = out / f"{name}{SUFFIX[kind]}"
    partial = final.with_name(final.name + ".partial")
    out.mkdir(parents=True, exist_ok=True)
    size = serialize(folder, partial, kind, top=name, mtime=MTIME)
    assert size == partial.stat().st_size > 0
    partial.rename(final)
    return final


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def folders_of(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_dir()}


def extract(archive: Path, kind: str, into: Path) -> Path:
    into.mkdir()
    if kind == "zip":
        with zipfile.ZipFile(archive) as z:
            z.extractall(into)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter="data")
    return into


def member_names(archive: Path, kind: str) -> list[str]:
    """Names in archive order, folders with a trailing slash."""
    if kind == "zip":
        with zipfile.ZipFile(archive) as z:
            return [i.filename for i in z.infolist()]
    with tarfile.open(archive) as t:
        return [m.name + ("/" if m.isdir() else "") for m in t.getmembers()]


def small_bag(parent: Path, name: str = "names-bag") -> Path:
    """A bag written by the packager's BagWriter: non-ASCII and 150-byte names, an extra tag
    file at the top and one in a tag folder, an image that zip stores."""
    with BagWriter(parent, name, bagging_date=dt.date(2024, 5, 1)) as writer:
        writer.add_bytes(NON_ASCII[5:], "北京 — photo caption\n".encode())
        writer.add_bytes(LONG[5:], b"long path\n")
        writer.add_bytes("objects/Z.jpg", b"\xff\xd8\xff\xe0" + random.Random(7).randbytes(3000))
        writer.add_bytes("objects/a.txt", b"lower case sorts after upper case\n")
        writer.add_bytes("objects/b/c.txt", b"in a sub-folder\n")
        writer.add_bytes("objects/b.txt", b"a file whose name sorts after the folder b\n")
        return writer.finish([("Source-Organization", "Test archive")],
                             [("aptrust-info.txt", [("Title", "Names")]), ("tags/extra.txt", [("Note", "x")])])


# --- kinds and MIME types ------------------------------------------------------------------------
def test_kinds_suffixes_and_mime_types_match_what_the_validator_reads() -> None:
    assert KINDS == ("tar", "tar.gz", "zip")
    assert SUFFIX == {"tar": ".tar", "tar.gz": ".tar.gz", "zip": ".zip"}
    assert MIME == {"tar": receiving.MIME_TAR, "tar.gz": receiving.MIME_TAR_GZIP, "zip": receiving.MIME_ZIP}
    assert {m: kind_for_mime(m) for m in (
        "application/tar", "application/x-tar", " Application/TAR ", "application/tar+gzip", "application/gzip",
        "application/x-gzip", "application/x-gtar", "application/zip", "application/x-zip-compressed",
        "application/x-7z-compressed", "")} == {
        "application/tar": "tar", "application/x-tar": "tar", " Application/TAR ": "tar",
        "application/tar+gzip": "tar.gz", "application/gzip": "tar.gz", "application/x-gzip": "tar.gz",
        "application/x-gtar": "tar.gz", "application/zip": "zip", "application/x-zip-compressed": "zip",
        "application/x-7z-compressed": None, "": None}
    for kind, suffix in SUFFIX.items():
        assert receiving.archive_name(Path(f"bag{suffix}")) == "bag", kind


# --- the sample bag, each kind ---------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_sample_bag_serialized_is_valid_in_place_and_unpacks_to_the_same_bag(sample_bag: Path, tmp_path: Path,
                                                                             kind: str) -> None:
    archive = write_archive(sample_bag, tmp_path / "out", kind)
    assert archive.name == sample_bag.name + SUFFIX[kind]
    assert list(archive.parent.iterdir()) == [archive]  # the .partial was renamed

    report = validate(archive, workers=2)
    assert report.valid and (report.errors, report.warnings) == (0, 0), [p.message for p in report.problems]
    assert report.metadata_checked and report.incomplete is None
    assert (report.bagit.name, report.bagit.archive_name) == (sample_bag.name, sample_bag.name)
    assert report.bagit.serialization == MIME[kind]
    assert report.bagit.payload_files == len(files_of(sample_bag / "data"))

    unpacked = extract(archive, kind, tmp_path / "x")
    assert [p.name for p in unpacked.iterdir()] == [sample_bag.name]
    assert files_of(unpacked / sample_bag.name) == files_of(sample_bag)
    assert folders_of(unpacked / sample_bag.name) == folders_of(sample_bag)

    bag = bagit.Bag(str(unpacked / sample_bag.name))
    bag.validate()  # raises BagValidationError when anything is wrong
    assert bag.is_valid() and set(bag.payload_files()) == {f"data/{rel}" for rel in files_of(sample_bag / "data")}


@pytest.mark.parametrize("kind", KINDS)
def test_sample_bag_members_are_in_the_documented_order_with_fixed_times_modes_and_owners(
        sample_bag: Path, tmp_path: Path, kind: str) -> None:
    archive = write_archive(sample_bag, tmp_path, kind)
    top = sample_bag.name
    names = [n[len(top) + 1:] for n in member_names(archive, kind)]
    tag_files = sorted((p.name for p in sample_bag.iterdir() if p.is_file() and p.name != "bagit.txt"),
                       key=lambda n: n.encode())
    assert names[:2 + len(tag_files)] == ["", "bagit.txt", *tag_files]
    payload = names[2 + len(tag_files):]
    assert payload[0] == "data/" and len(payload) == len(set(payload))
    # pre-order, each folder's entries by their UTF-8 bytes: as GNU tar --sort=name walks
    expected: list[str] = []

    def walk(folder: Path, prefix: str) -> None:
        for child in sorted(folder.iterdir(), key=lambda p: p.name.encode()):
            expected.append(prefix + child.name + ("/" if child.is_dir() else ""))
            if child.is_dir():
                walk(child, prefix + child.name + "/")

    walk(sample_bag / "data", "data/")
    assert payload == ["data/", *expected]

    if kind == "zip":
        with zipfile.ZipFile(archive) as z:
            infos = z.infolist()
            assert z.comment == b""
        assert {i.date_time for i in infos} == {(2024, 5, 1, 0, 0, 0)}
        assert {(i.create_system, i.extra, i.flag_bits & 0x1) for i in infos} == {(3, b"", 0)}
        modes = {i.filename: i.external_attr >> 16 for i in infos}
        assert {m for n, m in modes.items() if n.endswith("/")} == {stat.S_IFDIR | 0o755}
        assert {m for n, m in modes.items() if not n.endswith("/")} == {stat.S_IFREG | 0o644}
        methods = {Path(i.filename).suffix: i.compress_type for i in infos if not i.is_dir()}
        assert methods == {".jpg": zipfile.ZIP_STORED, ".txt": zipfile.ZIP_DEFLATED, ".xml": zipfile.ZIP_DEFLATED,
                           ".csv": zipfile.ZIP_DEFLATED, ".json": zipfile.ZIP_DEFLATED}
        return
    if kind == "tar.gz":
        head = archive.read_bytes()[:10]
        assert head[:4] == b"\x1f\x8b\x08\x00"  # deflate, no flags: no file name, no comment
        assert int.from_bytes(head[4:8], "little") == MTIME and head[8:] == b"\x00\xff"  # level 6; OS unknown
    with tarfile.open(archive) as t:
        members = t.getmembers()
        assert t.pax_headers == {}  # no global header
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {(MTIME, 0, 0, "", "")}
    assert {m.mode for m in members if m.isdir()} == {0o755} and {m.mode for m in members if m.isfile()} == {0o644}
    assert all(m.isdir() or m.isfile() for m in members)
    assert set().union(*(m.pax_headers for m in members)) <= {"path"}  # never a time, a host name or an owner


@pytest.mark.parametrize("kind", KINDS)
def test_the_same_folder_gives_the_same_bytes_whatever_its_times_owners_modes_and_disk_order(
        sample_bag: Path, tmp_path: Path, kind: str) -> None:
    first = write_archive(sample_bag, tmp_path / "one", kind).read_bytes()
    assert write_archive(sample_bag, tmp_path / "two", kind).read_bytes() == first

    rng = random.Random(13)
    for path in [sample_bag, *sample_bag.rglob("*")]:
        os.utime(path, (rng.randrange(10**9), rng.randrange(10**9)))
        os.chmod(path, 0o700 if path.is_dir() else 0o600)
        if os.geteuid() == 0:
            os.chown(path, 4321, 4321)
        try:
            os.setxattr(path, "user.packager-test", b"host detail")
        except OSError as exc:  # a file system without user attributes has none to leave out
            assert exc.errno == errno.ENOTSUP
    assert write_archive(sample_bag, tmp_path / "three", kind).read_bytes() == first

    # the same files created in another order, in a folder elsewhere: the disk's order does not matter
    again = tmp_path / "elsewhere" / sample_bag.name
    for path in sorted(sample_bag.rglob("*"), key=lambda p: p.as_posix(), reverse=True):
        copy = again / path.relative_to(sample_bag)
        if path.is_dir():
            copy.mkdir(parents=True, exist_ok=True)
        else:
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
    assert write_archive(again, tmp_path / "four", kind).read_bytes() == first


# --- names and order of a small bag ----------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_non_ascii_and_150_byte_names_survive_every_reader(tmp_path: Path, kind: str) -> None:
    assert len(LONG.encode()) == 150
    folder = small_bag(tmp_path / "bags")
    archive = write_archive(folder, tmp_path / "out", kind)
    top = "names-bag/"
    assert member_names(archive, kind) == [top + n for n in (
        "", "bagit.txt", "aptrust-info.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt",
        "tagmanifest-sha256.txt", "tagmanifest-sha512.txt", "tags/", "tags/extra.txt", "data/",
        "data/" + "a" * 40 + "/", "data/" + "a" * 40 + "/" + "b" * 40 + "/", LONG,
        "data/objects/", "data/objects/Z.jpg", "data/objects/a.txt",
        "data/objects/b/", "data/objects/b/c.txt", "data/objects/b.txt",  # "b" < "b.txt": names, not paths
        "data/Ünïcödé – 北京/", NON_ASCII)]  # "Ü" is C3 9C in UTF-8: after every ASCII name

    report = validate(archive, metadata=False)
    assert report.valid and report.warnings == 0, [p.message for p in report.problems]
    assert report.bagit.payload_files == 6 and report.bagit.name == "names-bag"

    unpacked = extract(archive, kind, tmp_path / "x") / "names-bag"
    assert files_of(unpacked) == files_of(folder)
    bagit.Bag(str(unpacked)).validate()

    if kind == "zip":
        with zipfile.ZipFile(archive) as z:
            flags = {i.filename: i.flag_bits & 0x800 for i in z.infolist()}
        assert flags[top + NON_ASCII] == 0x800 and flags[top + LONG] == 0
    else:
        with tarfile.open(archive) as t:
            pax = {m.name: m.pax_headers for m in t.getmembers()}
        assert pax[top + NON_ASCII] == {"path": top + NON_ASCII}
        assert pax[top + LONG] == {"path": top + LONG}  # over ustar's 100 bytes
        assert pax[top + "bagit.txt"] == {}
        listed = subprocess.run(["tar", "-tf", str(archive)], capture_output=True, check=True,
                                env=dict(os.environ, LC_ALL="C.UTF-8")).stdout.decode("utf-8").splitlines()
        assert listed == member_names(archive, kind)  # GNU tar reads the PAX names the same


def test_zip_of_a_bag_made_before_1980_keeps_the_earliest_dos_time(tmp_path: Path) -> None:
    folder = small_bag(tmp_path)
    archive = tmp_path / "old.zip"
    serialize(folder, archive, "zip", top="names-bag", mtime=0)
    with zipfile.ZipFile(archive) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    tarred = tmp_path / "old.tar"
    serialize(folder, tarred, "tar", top="names-bag", mtime=0)
    with tarfile.open(tarred) as t:
        assert {m.mtime for m in t.getmembers()} == {0}


# --- memory ------------------------------------------------------------------------------------------
def _peak_while_serializing(folder: Path, target: Path, kind: str) -> int:
    tracemalloc.start()
    try:
        serialize(folder, target, kind, top="big", mtime=MTIME)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_a_large_file_is_streamed_with_flat_memory(tmp_path: Path, kind: str) -> None:
    head = random.Random(2024).randbytes(1 << 20)
    peaks = {}
    for size in (2 << 20, 200 << 20):
        folder = tmp_path / f"big-{size}"
        (folder / "data").mkdir(parents=True)
        (folder / "bagit.txt").write_bytes(b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
        big = folder / "data" / "big.bin"
        with open(big, "wb") as fh:  # fixed-seed bytes at both ends, a sparse hole between
            fh.write(head)
            fh.truncate(size - len(head))
            fh.seek(0, os.SEEK_END)
            fh.write(head)
        archive = tmp_path / f"big-{size}{SUFFIX[kind]}"
        peaks[size] = _peak_while_serializing(folder, archive, kind)

        expected = hashlib.sha256()
        with open(big, "rb") as fh:
            while chunk := fh.read(1 << 20):
                expected.update(chunk)
        got = hashlib.sha256()
        if kind == "zip":
            with zipfile.ZipFile(archive) as z, z.open("big/data/big.bin") as member:
                while chunk := member.read(1 << 20):
                    got.update(chunk)
        else:
            with tarfile.open(archive, "r|*") as t:
                for m in t:
                    if m.name == "big/data/big.bin":
                        assert m.size == size
                        reader = t.extractfile(m)
                        assert reader is not None
                        while chunk := reader.read(1 << 20):
                            got.update(chunk)
        assert got.hexdigest() == expected.hexdigest()
        archive.unlink()
    assert max(peaks.values()) < 16 << 20, peaks
    assert peaks[200 << 20] < peaks[2 << 20] + (2 << 20), peaks  # a hundred times the file, not more memory


# --- what a bag must not hold, and failures ----------------------------------------------------------
def _device(path: Path) -> None:
    os.mknod(path, 0o600 | stat.S_IFCHR, os.makedev(1, 3))


@pytest.mark.parametrize(("what", "make", "said"), [
    ("link-to-file", lambda p: p.symlink_to("/etc/hostname"), "a symbolic link (to '/etc/hostname')"),
    ("link-to-folder", lambda p: p.symlink_to(".."), "a symbolic link (to '..')"),
    ("fifo", os.mkfifo, "a FIFO"),
    pytest.param("device", _device, "a character device",
                 marks=pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")),
])
@pytest.mark.parametrize("kind", KINDS)
def test_links_devices_and_fifos_are_refused_and_no_partial_is_left(
        sample_bag: Path, tmp_path: Path, kind: str, what: str, make: Callable[[Path], object], said: str) -> None:
    odd = sample_bag / "data" / "objects" / f"zz-{what}"  # last in the order: most of the archive is written
    make(odd)
    target = tmp_path / f"bag{SUFFIX[kind]}.partial"
    with pytest.raises(BagError) as caught:
        serialize(sample_bag, target, kind, top=sample_bag.name, mtime=MTIME)
    assert caught.value.message == (f"cannot serialize the bag: {odd} is {said}; a bag holds only files and "
                                    "folders")
    assert [i.code for i in caught.value.issues] == ["E402"]
    assert list(tmp_path.iterdir()) == [sample_bag]


def test_a_name_that_is_not_utf8_is_refused_and_shown_printably(tmp_path: Path) -> None:
    folder = small_bag(tmp_path / "bags")
    (folder / "data" / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name\n")
    with pytest.raises(BagError) as caught:
        serialize(folder, tmp_path / "bag.tar", "tar", top="names-bag", mtime=MTIME)
    assert caught.value.message == f"cannot serialize the bag: the name of {folder}/data/caf\\xe9.txt is not UTF-8; " \
        "rename it"
    assert caught.value.issues[0].path == "data/caf\\xe9.txt"
    assert not (tmp_path / "bag.tar").exists()


@pytest.mark.parametrize("kind", KINDS)
def test_an_existing_target_is_never_overwritten(sample_bag: Path, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "bag.partial"
    target.write_bytes(b"someone else's file")
    with pytest.raises(BagError) as caught:
        serialize(sample_bag, target, kind, top=sample_bag.name, mtime=MTIME)
    assert caught.value.message == f"{target} already exists; it is not overwritten"
    assert target.read_bytes() == b"someone else's file"


def test_a_target_folder_that_cannot_be_written_in_is_named(sample_bag: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_bytes(b"")
    for target, cause in ((tmp_path / "missing" / "bag.tar.partial", "No such file or directory"),
                          (tmp_path / "a-file" / "bag.tar.partial", "Not a directory")):
        with pytest.raises(BagError) as caught:
            serialize(sample_bag, target, "tar", top=sample_bag.name, mtime=MTIME)
        assert caught.value.message == f"could not write {target}: {cause}"
        assert [(i.code, i.path) for i in caught.value.issues] == [("E402", str(target))]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", sample_bag.name]


_FULL_DISK = """
import json, resource, sys
from pathlib import Path
from packager.bag.serialize import serialize
from packager.errors import BagError
resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, resource.RLIM_INFINITY))
target = Path(sys.argv[2])
try:
    serialize(Path(sys.argv[1]), target, sys.argv[3], top="bag", mtime=0)
except BagError as exc:
    print(json.dumps({"message": exc.message, "left": target.exists()}))
"""


@pytest.mark.parametrize("kind", KINDS)
def test_a_write_that_fails_half_way_names_the_target_and_removes_it(sample_bag: Path, tmp_path: Path,
                                                                      kind: str) -> None:
    target = tmp_path / f"bag{SUFFIX[kind]}.partial"  # files over 256 KiB cannot grow: as a full disk
    proc = subprocess.run([sys.executable, "-c", _FULL_DISK, str(sample_bag), str(target), kind],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"message": f"could not write {target}: File too large", "left": False}
    assert not target.exists()


def test_a_file_that_shrinks_or_changes_while_it_is_copied_is_named(tmp_path: Path) -> None:
    """What a copy checks as it reads (a real race cannot be timed in a test): the size fixed when
    the file was opened, and its size and time once it is copied."""
    mib = 1 << 20
    path = tmp_path / "payload.bin"
    path.write_bytes(bytes(3 * mib))
    with _Source(str(path)) as source:
        assert source.size == 3 * mib and source.read(mib) == bytes(mib)
        os.truncate(path, mib + mib // 2)
        with pytest.raises(_ReadFailure) as shrunk:
            source.read(mib)
        assert (shrunk.value.path, shrunk.value.detail) == (str(path),
                                                            "it became shorter while the archive was written")
    path.write_bytes(bytes(3000))
    with _Source(str(path)) as source:
        assert source.read(5000) == bytes(3000) and source.read(5000) == b""  # never past the size it had
        with open(path, "ab") as more:
            more.write(b"grown")
        with pytest.raises(_ReadFailure, match="it changed while the archive was written"):
            source.check_unchanged()


def test_arguments_that_cannot_make_an_archive_are_refused(sample_bag: Path, tmp_path: Path) -> None:
    target = tmp_path / "bag.partial"
    for kind, top, mtime, message in (
            ("rar", "bag", MTIME, "cannot serialize a bag as 'rar'; the kinds are tar, tar.gz, zip"),
            ("tar", "a/b", MTIME, "'a/b' cannot name an archive's top folder; give the bag's name"),
            ("tar", "..", MTIME, "'..' cannot name an archive's top folder; give the bag's name"),
            ("zip", "", MTIME, "'' cannot name an archive's top folder; give the bag's name"),
            ("tar", "bag", -1, "archive member time -1 is not a whole number of seconds from 1970 to 2242")):
        with pytest.raises(BagError) as caught:
            serialize(sample_bag, target, kind, top=top, mtime=mtime)
        assert caught.value.message == message
    with pytest.raises(BagError, match="it is not a folder"):
        serialize(sample_bag / "bagit.txt", target, "tar", top="bag", mtime=MTIME)
    assert not target.exists()
    inside = sample_bag / "data" / "bag.tar.partial"
    with pytest.raises(BagError) as caught:
        serialize(sample_bag, inside, "tar", top="bag", mtime=MTIME)
    assert caught.value.message == f"cannot write {inside} inside the bag it holds; write it beside the bag"
    assert not inside.exists()


# --- a profile that requires a tar -------------------------------------------------------------------
def test_the_aptrust_profile_accepts_the_tar_and_only_the_tar(sample_bag: Path, tmp_path: Path) -> None:
    def codes(path: Path) -> dict[str, list[str]]:
        report = validate(path, profile=APTRUST, metadata=False)
        found: dict[str, list[str]] = {}
        for p in report.problems:
            found.setdefault(p.code, []).append(p.message)
        return found

    folder = codes(sample_bag)
    assert any("requires a serialized bag" in m for m in folder["E537"])
    assert "E537" not in codes(write_archive(sample_bag, tmp_path / "tar", "tar"))
    zipped = codes(write_archive(sample_bag, tmp_path / "zip", "zip"))
    assert [m for m in zipped["E537"] if "application/zip" in m], zipped["E537"]
    # APTrust also wants the top folder named like the tar
    renamed = write_archive(sample_bag, tmp_path / "renamed", "tar")
    other = renamed.with_name("other-name.tar")
    renamed.rename(other)
    assert any("other-name" in m for m in codes(other)["E537"])
    # what the profile still finds is the bag's own business (md5 manifests, aptrust-info.txt), not the archive's
    assert "E534" in folder


def test_an_archive_is_written_once_to_its_own_file(tmp_path: Path) -> None:
    """The raw bytes of a zip end with exactly one central directory, and a tar with two zero blocks
    padded to a 10240-byte record (as GNU tar writes)."""
    folder = small_bag(tmp_path)
    tar_bytes = write_archive(folder, tmp_path / "t", "tar").read_bytes()
    assert len(tar_bytes) % 10240 == 0 and tar_bytes[-1024:] == bytes(1024)
    zip_bytes = write_archive(folder, tmp_path / "z", "zip").read_bytes()
    assert zip_bytes.count(b"PK\x05\x06") == 1 and zip_bytes.endswith(b"\x00\x00")  # no comment
    gz_bytes = write_archive(folder, tmp_path / "g", "tar.gz").read_bytes()
    assert gzip.decompress(gz_bytes) == tar_bytes
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as t:
        assert t.getnames()[0] == "names-bag"


def test_zip64_records_are_written_when_a_member_or_the_archive_needs_them(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """zipfile's own limits scaled down (4 GiB and 65535 members would take minutes): the members
    over the limit get zip64 fields, the archive a zip64 end record, and every reader still agrees."""
    folder = small_bag(tmp_path / "bags")
    plain = write_archive(folder, tmp_path / "plain", "zip")
    assert b"PK\x06\x06" not in plain.read_bytes()  # no zip64 end record when nothing needs one
    with monkeypatch.context() as m:
        m.setattr(zipfile, "ZIP64_LIMIT", 1000)
        m.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 10)
        archive = write_archive(folder, tmp_path / "z64", "zip")
    raw = archive.read_bytes()
    assert raw.count(b"PK\x06\x06") == 1 and raw.count(b"PK\x06\x07") == 1  # zip64 end record and locator
    with zipfile.ZipFile(archive) as z:
        big = z.getinfo("names-bag/data/objects/Z.jpg")
        assert big.file_size == 3004 and big.extract_version >= 45  # 4.5: zip64
        assert z.testzip() is None
    assert files_of(extract(archive, "zip", tmp_path / "x") / "names-bag") == files_of(folder)
    report = validate(archive, metadata=False)
    assert report.valid and report.warnings == 0, [p.message for p in report.problems]


@pytest.mark.skipif(shutil.which("unzip") is None, reason="Info-ZIP unzip not installed")
def test_info_zip_reads_our_zips_names_and_zip64_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another program's reading (Info-ZIP's unzip): every member tests good, and the names are ours."""
    folder = small_bag(tmp_path / "bags")
    plain = write_archive(folder, tmp_path / "plain", "zip")
    with monkeypatch.context() as m:
        m.setattr(zipfile, "ZIP64_LIMIT", 1000)
        m.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 10)
        zip64 = write_archive(folder, tmp_path / "z64", "zip")
    env = dict(os.environ, LC_ALL="C.UTF-8")
    for archive in (plain, zip64):
        tested = subprocess.run(["unzip", "-tq", str(archive)], capture_output=True, text=True, env=env)
        assert tested.returncode == 0 and "No errors detected" in tested.stdout, tested.stdout + tested.stderr
        listed = subprocess.run(["unzip", "-Z1", str(archive)], capture_output=True, check=True, env=env)
        assert listed.stdout.decode("utf-8").splitlines() == member_names(archive, "zip")

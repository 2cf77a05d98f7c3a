"""BagWriter: bags that bagit 1.9.0 and our own checker accept, written safely.

Every bag here is written into tmp_path from fixed-seed bytes (and one small
Pillow JPEG changed by the real ExifTool), then read back by both validators.
"""

from __future__ import annotations

import hashlib
import logging
import random
import subprocess
import unicodedata
from pathlib import Path

import bagit
import pytest
from PIL import Image

from packager.bag.writer import BagWriter, encode_manifest_path, format_bag_info
from packager.errors import BagError
from packager.validate.check import check_bag

SEED = 20240501


def sources(folder: Path, names: list[str]) -> dict[str, Path]:
    """Source files with fixed-seed random content (sizes 0 .. ~3 MiB, to cross chunk borders)."""
    rnd = random.Random(SEED)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for n, name in enumerate(names):
        path = folder / f"src{n}.bin"
        path.write_bytes(rnd.randbytes([0, 17, 3 * 1024 * 1024 + 5, 4096][n % 4]))
        out[name] = path
    return out


def manifest(bag: Path, alg: str = "sha256") -> dict[str, str]:
    """path -> digest, paths exactly as written (still percent-encoded)."""
    lines = (bag / f"manifest-{alg}.txt").read_text(encoding="utf-8").splitlines()
    return {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}


INFO = [
    ("Source-Organization", "Example Archive"),
    ("Contact-Name", "Ada"),
    ("External-Description", "Photographs of surveillance in China.\nSecond paragraph, kept as its own line."),
    ("Contact-Name", "Grace"),
    ("Bag-Group-Identifier", "surv"),
]


def test_bag_passes_bagit_and_our_checker(tmp_path: Path) -> None:
    names = ["objects/Surv - 001.jpg", "objects/Surv - 002.jpg", "metadata/empty.txt", "metadata/notes.txt"]
    src = sources(tmp_path / "src", names)
    with BagWriter(tmp_path / "out", "bag1") as writer:
        for rel, path in src.items():
            writer.add_file(rel, path)
        writer.add_bytes("metadata/records.json", b'{"a": 1}\n')
        final = writer.finish(INFO)
    assert final == tmp_path / "out" / "bag1"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["bag1"]
    bagit.Bag(str(final)).validate()  # raises on failure
    check = check_bag(final)
    assert check.valid and check.problems == ()
    assert check.version == "1.0"
    assert check.algorithms == ("sha256", "sha512")
    assert check.payload_files == 5
    assert check.payload_bytes == sum(p.stat().st_size for p in src.values()) + 9
    assert (final / "bagit.txt").read_bytes() == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    expected = hashlib.sha512((tmp_path / "src" / "src2.bin").read_bytes()).hexdigest()
    assert manifest(final, "sha512")["data/metadata/empty.txt"] == expected
    tagged = (final / "tagmanifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split("  ")[1] for line in tagged] == ["bag-info.txt", "bagit.txt", "manifest-sha256.txt",
                                                        "manifest-sha512.txt"]


def test_bag_info_order_repeats_and_line_breaks(tmp_path: Path) -> None:
    with BagWriter(tmp_path, "bag2") as writer:
        writer.add_bytes("a.txt", b"12345")
        final = writer.finish(INFO + [("Payload-Oxum", "5.1")])
    info = check_bag(final).info
    assert info[:6] == INFO + [("Payload-Oxum", "5.1")]
    assert [label for label, _ in info[6:]] == ["Bagging-Date", "Bag-Size"]
    assert info[7] == ("Bag-Size", "5 bytes")
    text = (final / "bag-info.txt").read_text(encoding="utf-8")
    assert "External-Description: Photographs of surveillance in China.\n  Second paragraph" in text
    # bagit 1.9.0 reads the continuation (it turns the first fold into spaces, a quirk of its parser).
    value = bagit.Bag(str(final)).info["External-Description"]
    assert value.split() == " ".join(v for k, v in INFO if k == "External-Description").split()
    assert bagit.Bag(str(final)).info["Contact-Name"] == ["Ada", "Grace"]


def test_multi_line_value_round_trips_through_folding() -> None:
    value = "First line\nSecond line\n\nFourth line after a blank one\r\nFifth (CRLF before)"
    text = format_bag_info([("Description", value), ("Next", "x")])
    assert text.splitlines()[1:4] == ["  Second line", "  ", "  Fourth line after a blank one"]
    from packager.validate.tags import parse_bag_info
    found: list = []
    parsed = parse_bag_info(text, "bag-info.txt", (1, 0), found)
    assert parsed == [("Description", value.replace("\r\n", "\n")), ("Next", "x")] and found == []


def test_optional_fold_width_wraps_long_lines_at_spaces() -> None:
    long = " ".join(["word"] * 40)
    text = format_bag_info([("Description", long)], fold_width=79)
    assert all(len(line) <= 79 for line in text.splitlines())
    assert text.replace("\n  ", " ").strip() == f"Description: {long}"


def test_fold_width_narrower_than_the_label_still_wraps() -> None:
    long = " ".join(["word"] * 20)
    text = format_bag_info([("A-Label-Longer-Than-The-Width", long)], fold_width=20)
    lines = text.splitlines()
    assert lines[0] == "A-Label-Longer-Than-The-Width: word"  # one word, then the rest wrapped
    assert all(len(line) <= 20 for line in lines[1:])
    assert text.replace("\n  ", " ").strip() == f"A-Label-Longer-Than-The-Width: {long}"


@pytest.mark.parametrize("label", ["", "Has:Colon", "Line\nBreak", " Padded", "Tab\tEnd\t"])
def test_bad_bag_info_label_is_refused(label: str) -> None:
    with pytest.raises(BagError):
        format_bag_info([(label, "v")])


def test_percent_space_and_non_ascii_names(tmp_path: Path) -> None:
    names = {"objects/100% cotton.txt": b"a", "objects/a%25b.txt": b"b", "objects/Surv - 003.jpg": b"c",
             "objects/中国 Zhōngguó.txt": b"d", unicodedata.normalize("NFD", "objects/Núñez.txt"): b"e"}
    with BagWriter(tmp_path, "bag3") as writer:
        for rel, data in names.items():
            writer.add_bytes(rel, data)
        final = writer.finish([])
    written = manifest(final)
    assert set(written) == {"data/objects/100%25 cotton.txt", "data/objects/a%2525b.txt",
                            "data/objects/Surv - 003.jpg", "data/objects/中国 Zhōngguó.txt",
                            unicodedata.normalize("NFD", "data/objects/Núñez.txt")}
    assert written["data/objects/a%2525b.txt"] == hashlib.sha256(b"b").hexdigest()
    check = check_bag(final)
    assert check.valid and check.problems == () and check.payload_files == 5
    # RFC 8493 requires %25; bagit 1.9.0 does not decode it, so it misses exactly these files.
    assert {i.path for i in writer.issues} == {"data/objects/100% cotton.txt", "data/objects/a%25b.txt"}
    assert {i.code for i in writer.issues} == {"W404"}
    with pytest.raises(bagit.BagValidationError) as err:
        bagit.Bag(str(final)).validate()
    assert "100%25 cotton.txt" in str(err.value)


def test_manifest_encoding_of_percent_cr_lf() -> None:
    assert encode_manifest_path("a%b\rc\nd%0A") == "a%25b%0Dc%0Ad%250A"


def test_sources_are_only_read(tmp_path: Path) -> None:
    src = sources(tmp_path / "src", ["one.bin", "two.bin", "three.bin"])
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.values()}
    with BagWriter(tmp_path / "out", "bag4") as writer:
        for rel, path in src.items():
            staged = writer.add_file(rel, path)
            assert staged == tmp_path / "out" / "bag4.partial" / "data" / rel
        final = writer.finish([])
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in src.values()} == before
    for rel, path in src.items():
        copy = final / "data" / rel
        assert copy.read_bytes() == path.read_bytes()
        assert copy.stat().st_mtime_ns == path.stat().st_mtime_ns  # timestamps carried over to the copy
        assert not copy.samefile(path)


@pytest.mark.parametrize("interrupt", [RuntimeError("boom"), KeyboardInterrupt()])
def test_interruption_leaves_neither_bag_nor_partial(tmp_path: Path, interrupt: BaseException) -> None:
    src = sources(tmp_path / "src", ["x.bin"])
    out = tmp_path / "out"
    with pytest.raises(type(interrupt)), BagWriter(out, "bag5") as writer:
        writer.add_file("x.bin", src["x.bin"])
        assert (out / "bag5.partial" / "data" / "x.bin").exists()
        raise interrupt
    assert list(out.iterdir()) == []


def test_failure_inside_finish_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(BagError), BagWriter(tmp_path, "bag6") as writer:
        writer.add_bytes("a.txt", b"a")
        writer.finish([("Payload-Oxum", "999.9")])  # wrong Oxum: refused
    assert list(tmp_path.iterdir()) == []


def test_forgetting_finish_is_an_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="finish"), BagWriter(tmp_path, "bag7") as writer:
        writer.add_bytes("a.txt", b"a")
    assert list(tmp_path.iterdir()) == []


def test_existing_bag_is_refused_and_kept(tmp_path: Path) -> None:
    (tmp_path / "bag8").mkdir()
    (tmp_path / "bag8" / "keep.txt").write_text("mine")
    with pytest.raises(BagError) as err, BagWriter(tmp_path, "bag8"):
        pass
    assert [i.code for i in err.value.issues] == ["E401"]
    assert (tmp_path / "bag8" / "keep.txt").read_text() == "mine"
    assert not (tmp_path / "bag8.partial").exists()


def test_stale_partial_is_removed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    stale = tmp_path / "bag9.partial" / "data"
    stale.mkdir(parents=True)
    (stale / "old.txt").write_text("left over")
    with caplog.at_level(logging.WARNING, logger="packager.bag.writer"), BagWriter(tmp_path, "bag9") as writer:
        writer.add_bytes("new.txt", b"n")
        final = writer.finish([])
    assert sorted(p.name for p in (final / "data").iterdir()) == ["new.txt"]
    assert "stale" in caplog.text


def _jpeg(path: Path) -> None:
    rnd = random.Random(SEED)
    img = Image.new("RGB", (32, 24))
    img.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256)) for _ in range(32 * 24)])
    img.save(path, "JPEG", quality=90)


def test_record_hashes_the_final_bytes_after_exiftool(tmp_path: Path) -> None:
    original = tmp_path / "photo.jpg"
    _jpeg(original)
    with BagWriter(tmp_path / "out", "bag10") as writer:
        staged = writer.add_file("objects/photo.jpg", original)
        subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=Changed", str(staged)],
                       check=True, capture_output=True)
        writer.record("objects/photo.jpg")
        own = writer.path_for("objects/own.jpg")  # the caller writes the file itself
        _jpeg(own)
        writer.record("objects/own.jpg")
        final = writer.finish([])
    data = (final / "data/objects/photo.jpg").read_bytes()
    assert data != original.read_bytes()
    assert manifest(final)["data/objects/photo.jpg"] == hashlib.sha256(data).hexdigest()
    assert manifest(final, "sha512")["data/objects/own.jpg"] == hashlib.sha512(original.read_bytes()).hexdigest()
    bagit.Bag(str(final)).validate()
    assert check_bag(final).valid


def test_change_after_hashing_without_record_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="changed after it was hashed"), BagWriter(tmp_path, "bag11") as writer:
        staged = writer.add_bytes("a.txt", b"original")
        staged.write_bytes(b"changed, longer")
        writer.finish([])
    assert list(tmp_path.iterdir()) == []


def test_unrecorded_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="never recorded"), BagWriter(tmp_path, "bag12") as writer:
        writer.path_for("ghost.txt").write_bytes(b"boo")
        writer.finish([])


@pytest.mark.parametrize("rel", ["/etc/passwd", "../escape.txt", "a/../../b", "a/./b", "a//b", "a\\b",
                                 "line\nbreak", "cr\rhere", "C:/x", "trailing ", "", "not-utf8-\udcff.jpg"])
def test_path_for_refuses_unsafe_paths(tmp_path: Path, rel: str) -> None:
    with BagWriter(tmp_path, "bag13") as writer:
        with pytest.raises(BagError):
            writer.path_for(rel)
        writer.add_bytes("ok.txt", b"ok")
        writer.finish([])


def test_same_file_twice_is_refused(tmp_path: Path) -> None:
    with BagWriter(tmp_path, "bag14") as writer:
        writer.add_bytes("a.txt", b"1")
        with pytest.raises(BagError, match="already added"):
            writer.add_bytes("a.txt", b"2")
        writer.finish([])


@pytest.mark.parametrize("algorithms", [(), ("sha256", "crc32"), ("shake_128",)])
def test_unknown_algorithms_are_refused(tmp_path: Path, algorithms: tuple[str, ...]) -> None:
    with pytest.raises(BagError):
        BagWriter(tmp_path, "bag15", algorithms)


def test_other_algorithms_work_with_bagit(tmp_path: Path) -> None:
    with BagWriter(tmp_path, "bag16", ("sha3_256", "blake2b")) as writer:
        writer.add_bytes("a.txt", b"abc")
        final = writer.finish([])
    assert sorted(p.name for p in final.glob("*manifest-*")) == [
        "manifest-blake2b.txt", "manifest-sha3_256.txt", "tagmanifest-blake2b.txt", "tagmanifest-sha3_256.txt"]
    bagit.Bag(str(final)).validate()
    check = check_bag(final)
    assert check.valid and check.problems == () and check.algorithms == ("blake2b", "sha3_256")


def test_bagit_txt_is_written_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """bagit.txt makes a folder a bag: a crash before the rename must leave a staging folder without it."""
    from packager.bag import writer as bagging

    seen: list[tuple[str, bool]] = []
    real = bagging._write_new

    def spy(target: Path, data: bytes, algorithms: tuple[str, ...]) -> object:
        seen.append((target.name, (target.parent / "bagit.txt").exists()))
        return real(target, data, algorithms)

    monkeypatch.setattr(bagging, "_write_new", spy)
    with BagWriter(tmp_path, "order") as writer:
        writer.add_bytes("a.txt", b"a")
        final = writer.finish([])
    tag_writes = [entry for entry in seen if entry[0] != "a.txt"]
    assert tag_writes[-1] == ("bagit.txt", False)
    assert not any(present for _name, present in tag_writes)
    tagged = (final / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert f"{hashlib.sha256((final / 'bagit.txt').read_bytes()).hexdigest()}  bagit.txt\n" in tagged
    bagit.Bag(str(final)).validate()
    assert check_bag(final).valid


def test_every_given_payload_oxum_is_checked(tmp_path: Path) -> None:
    with pytest.raises(BagError, match="Payload-Oxum"), BagWriter(tmp_path, "oxum") as writer:
        writer.add_bytes("a.txt", b"a")
        writer.finish([("Payload-Oxum", "999.9"), ("Payload-Oxum", "1.1")])  # the last one is right
    assert list(tmp_path.iterdir()) == []



def test_the_writer_keeps_each_payload_file_in_about_180_bytes(tmp_path: Path) -> None:
    """The digests are the only per-file table a run keeps (the manifests need them):
    one bytes value per file (size, time, raw digests), given back as hex. Hex strings in a dict took about 560 bytes per file
    (besides its name, which the manifests need)."""
    import tracemalloc

    count = 3000
    digests = {"sha256": hashlib.sha256(b"x").hexdigest(), "sha512": hashlib.sha512(b"x").hexdigest()}
    with BagWriter(tmp_path, "many") as writer:
        names = [f"objects/name of a photograph {n:05d}.jpg" for n in range(count)]
        writer.path_for(names[0]).parent.mkdir(parents=True, exist_ok=True)
        stats = []
        for name in names:
            target = writer.path_for(name)
            target.write_bytes(b"x")
            stats.append(target.stat())
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for name, stat in zip(names, stats, strict=True):  # each file's own digests, as a run hands them over
            own = {alg: hashlib.new(alg, b"x").hexdigest() for alg in ("sha256", "sha512")}
            writer.add_hashed(name, own, stat.st_size, stat.st_mtime_ns)
        per_file = (tracemalloc.get_traced_memory()[0] - before) / count
        tracemalloc.stop()
        view = writer.payload_digests()
        assert dict(view[f"data/{names[7]}"]) == digests
        assert len(view) == count
        assert per_file < 240, per_file
        bag = writer.finish([])
    assert manifest(bag, "sha512")[f"data/{names[-1]}"] == digests["sha512"]

"""The bad-input matrix for images, names, captions and caption CSV files (issue 12, deliverables 1 and 6).

Each case builds its input here (fixed seeds, Pillow for images, bytes written
directly for broken files), runs it through extraction and, where the item
passes, a bag run, and asserts the outcome: the item packaged correctly, or a
coded issue naming the file with advice while the other items still report,
or the run refused up front with an exit code. Never a traceback; the
originals never change.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager import pipeline
from packager.analysis.record import analyse
from packager.analysis.text import for_analysis
from packager.collection import folder as checks
from packager.collection.captions import read_captions
from packager.embed.exiftool import ExifTool
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, CollectionError
from packager.files.pixels import decoded_digest, pixel_digest
from packager.model import CollectionInfo, Issue, Item
from packager.pipeline.extraction import extract
from packager.pipeline.reviewing import write_review
from packager.review import cells

from .conftest import run_cli, tree_digest, write_csv_collection

SEED = 20261203
DATE = "2024-05-01"
GOOD = "good.jpg"
GOOD_CAPTION = "Police officers patrol a square in Kashgar."


def noise(seed: int, mode: str = "RGB", size: tuple[int, int] = (24, 16)) -> Image.Image:
    rng = random.Random(seed)
    if mode == "I;16":
        image = Image.new("I;16", size)
        image.putdata([rng.randrange(65536) for _ in range(size[0] * size[1])])
        return image
    image = Image.new("RGB", size)
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])])
    return image if mode == "RGB" else image.convert(mode)


def jpeg_bytes(seed: int, **options: Any) -> bytes:
    buffer = io.BytesIO()
    noise(seed).save(buffer, "JPEG", **options)
    return buffer.getvalue()


Maker = Callable[[Path], object]


def collection(root: Path, images: dict[str, Maker], captions: dict[str, str] | None = None) -> Path:
    """A CSV collection: good.jpg plus ``images`` (name -> what makes the entry), one caption each."""
    folder = root / "images"
    folder.mkdir(parents=True)
    noise(SEED).save(folder / GOOD, "JPEG")
    for name, make in images.items():
        make(folder / name)
    texts = {GOOD: GOOD_CAPTION, **(captions or {})}
    for n, name in enumerate(images):
        texts.setdefault(name, f"Item {n}: a {['robot', 'camera', 'checkpoint', 'volunteer', 'showroom'][n % 5]} "
                               f"seen in {['Beijing', 'Hangzhou', 'Rongcheng', 'Xiangyang', 'Yangqiao'][n % 5]}, "
                               f"number {n * 7919 % 1000}.")
    return write_csv_collection(root, texts, root.name, "Bad input", collection='language = "en"\n')


def found(issues: list[Issue], code: str) -> list[Issue]:
    return [i for i in issues if i.code == code]


def assert_good_item_still_reported(ex: pipeline.Extraction) -> None:
    (good,) = [i for i in ex.items if i.file == GOOD]
    assert good.record.description == GOOD_CAPTION and not good.failed


# --- images: entries that are no image file ------------------------------------------------------------------------

NOT_FILES: dict[str, tuple[Maker, str]] = {
    "folder.jpg": (lambda p: p.mkdir(), "is a folder, not an image file"),
    "pipe.jpg": (lambda p: os.mkfifo(p), "is a named pipe (FIFO), not an image file"),
    "dangling.jpg": (lambda p: os.symlink("nowhere.jpg", p), "is a symbolic link to nowhere.jpg, which does not exist"),
    "to-folder.jpg": (lambda p: (p.parent / "sub").mkdir() or os.symlink("sub", p),
                      "is a symbolic link to sub, which is a folder, not an image file"),
}


def test_entries_that_are_not_image_files_are_e115_up_front_and_never_opened(tmp_path: Path) -> None:
    root = collection(tmp_path / "entries", {name: make for name, (make, _) in NOT_FILES.items()})
    ex = extract(root)  # a FIFO that were opened would block here for ever
    e115 = {Path(i.path or "").name: i.message for i in found(list(ex.issues), "E115")}
    assert e115 == {name: f"image {name} {why}; put the image file itself under this name, or remove the entry "
                          "and its caption" for name, (_, why) in NOT_FILES.items()}
    assert found(list(ex.issues), "E104") == []  # the caption naming it is not "no image": E115 says what is there
    assert [i.file for i in ex.items] == [GOOD]
    assert_good_item_still_reported(ex)


def test_not_a_file_through_the_command_line_exits_1_without_a_traceback(tmp_path: Path) -> None:
    root = collection(tmp_path / "cli", {"pipe.jpg": NOT_FILES["pipe.jpg"][0]})
    before = tree_digest(root)
    result = run_cli("bag", root, "--out", tmp_path / "bags", "--json", "--bagging-date", DATE)
    assert result.code == EXIT_FAILED and "Traceback" not in result.stderr
    doc = result.json()
    assert doc["ok"] is False and [(i["code"], Path(i["path"]).name) for i in doc["issues"]] == [("E115", "pipe.jpg")]
    assert [item["file"] for item in doc["items"]] == [GOOD]
    assert not (tmp_path / "bags").exists()
    assert tree_digest(root) == before


# --- images: contents that do not match the name -----------------------------------------------------------------

CONTENTS: dict[str, tuple[Maker, str]] = {
    "empty.jpg": (lambda p: p.write_bytes(b""),
                  "is empty (0 bytes); copy the image again from where it came, or remove the file and its caption"),
    "png-named.jpg": (lambda p: noise(SEED + 1).save(p, "PNG"),
                      "holds a PNG image, though its name says JPEG; ExifTool will not write it under this name: "
                      "rename it to png-named.png (and its caption's filename)"),
    "jpeg-named.png": (lambda p: p.write_bytes(jpeg_bytes(SEED + 2)),
                       "holds a JPEG image, though its name says PNG; ExifTool will not write it under this name: "
                       "rename it to jpeg-named.jpg (and its caption's filename)"),
    "text.jpg": (lambda p: p.write_text("Shot list, roll 4\n", encoding="utf-8"),
                 "holds no image format we know (it starts with b'Shot lis'), though its name says JPEG; replace "
                 "it with the image, or remove the file and its caption"),
}


@pytest.mark.parametrize("name", list(CONTENTS))
def test_a_file_that_is_not_the_image_its_name_says_is_e115_and_no_bag_is_made(tmp_path: Path, name: str) -> None:
    make, why = CONTENTS[name]
    root = collection(tmp_path / "c", {name: make})
    before = tree_digest(root)
    ex = extract(root)
    assert [(i.code, i.message) for i in ex.issues if i.severity == "error"] == [("E115", f"image {name} {why}")]
    assert found(list(ex.issues), "E115")[0].path == str(root / "images" / name)
    assert sorted(i.file for i in ex.items) == sorted([GOOD, name])  # the item is still analysed and shown
    assert_good_item_still_reported(ex)
    run = pipeline.build_bag(root, tmp_path / "bags", workers=1)
    assert run.bag is None and not (tmp_path / "bags").exists()
    assert tree_digest(root) == before


def test_a_file_that_cannot_be_read_is_e115_naming_the_cause(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # we run as root, for whom chmod 000 changes nothing: the read fails as it would for another user
    root = collection(tmp_path / "c", {"locked.jpg": lambda p: p.write_bytes(jpeg_bytes(SEED + 3))})
    real = checks._head

    def head(path: Path) -> bytes:
        if path.name == "locked.jpg":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(checks, "_head", head)
    ex = extract(root)
    assert [(i.code, i.message) for i in ex.issues] == [
        ("E115", "image locked.jpg cannot be read (Permission denied); make it readable for this user")]


def test_a_truncated_jpeg_passes_extraction_and_fails_its_pixel_proof_with_advice(tmp_path: Path) -> None:
    data = jpeg_bytes(SEED + 4)
    root = collection(tmp_path / "c", {"truncated.jpg": lambda p: p.write_bytes(data[: len(data) // 2])})
    before = tree_digest(root)
    assert [i for i in extract(root).all_issues() if i.severity == "error"] == []  # its header is a JPEG's
    run = pipeline.build_bag(root, tmp_path / "bags", workers=1)
    assert run.bag is None
    by_file = {i.file: i for i in run.items}
    (error,) = [i for i in by_file["truncated.jpg"].issues if i.severity == "error"]
    assert error.code == "E306" and error.message.startswith("cannot read image data/objects/truncated.jpg: ")
    assert error.message.endswith("the file ends before its image data does, so it was probably cut off while it "
                                  "was copied or downloaded: copy it again from where it came")
    assert not by_file[GOOD].failed
    assert tree_digest(root) == before


# --- images that must package as they are ---------------------------------------------------------------------------

UNUSUAL: dict[str, tuple[Maker, str]] = {
    "cmyk.jpg": (lambda p: noise(SEED + 5, "CMYK").save(p, "JPEG", quality=90), "CMYK"),
    "progressive.jpg": (lambda p: noise(SEED + 6).save(p, "JPEG", progressive=True), "RGB"),
    "sixteen.png": (lambda p: noise(SEED + 7, "I;16").save(p, "PNG"), "I;16"),
    "sixteen.tif": (lambda p: noise(SEED + 8, "I;16").save(p, "TIFF"), "I;16"),
}


@pytest.fixture(scope="module")
def unusual(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pipeline.BagRun, dict[str, Any]]:
    root = collection(tmp_path_factory.mktemp("unusual") / "unusual", {n: make for n, (make, _) in UNUSUAL.items()})
    before = tree_digest(root)
    run = pipeline.build_bag(root, root.parent / "bags", workers=2)
    return root, run, before


def test_cmyk_progressive_and_16_bit_images_are_bagged_and_the_bag_validates(unusual: Any) -> None:
    root, run, before = unusual
    assert [(i.file, i.code, i.message) for item in run.items for i in item.issues if i.severity == "error"] == []
    assert run.ok and run.validation is not None and run.validation.problems == ()
    assert tree_digest(root) == before
    for name, (_, mode) in UNUSUAL.items():
        copy = run.bag / "data" / "objects" / name
        with Image.open(copy) as image:
            assert image.mode == mode, name  # nothing converted
        original = root / "images" / name
        assert pixel_digest(copy) == pixel_digest(original), name  # the image data is the original's
        if not name.endswith(".jpg"):
            assert decoded_digest(copy) == decoded_digest(original)
    assert b"\xff\xc2" in (run.bag / "data/objects/progressive.jpg").read_bytes()  # still progressive (SOF2)


def test_cmyk_progressive_and_16_bit_images_carry_their_caption(unusual: Any) -> None:
    root, run, _ = unusual
    captions = {row[0]: row[1] for row in csv.reader(io.StringIO((root / "captions.csv").read_text("utf-8")))}
    with ExifTool() as et:
        for name in UNUSUAL:
            tags = et.read(run.bag / "data" / "objects" / name)
            assert tags["XMP-dc:Description"] == captions[name], name
            assert tags["XMP-dc:Identifier"] == name.rsplit(".", 1)[0] or tags["XMP-dc:Identifier"].startswith("sixteen")


# --- names ------------------------------------------------------------------------------------------------------------

def test_a_name_that_is_not_utf8_is_refused_up_front_shown_escaped(tmp_path: Path) -> None:
    root = collection(tmp_path / "c", {})
    raw = os.fsencode(root / "images") + b"/caf\xe9.jpg"
    fd = os.open(raw, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, jpeg_bytes(SEED + 9))
    os.close(fd)
    ex = extract(root)
    (e117,) = found(list(ex.issues), "E117")
    assert e117.message.startswith("image name caf\\xe9.jpg is not valid UTF-8 (the bytes that are not are shown as "
                                   "\\xNN); rename the file in UTF-8")
    assert e117.path == str(root / "images") + "/caf\\xe9.jpg"
    assert [i.code for i in ex.issues] == ["E117"]  # no E105 for it as well
    assert [i.file for i in ex.items] == [GOOD]
    for command in (("extract", root), ("extract", root, "--json"), ("bag", root, "--out", tmp_path / "b", "--json")):
        result = run_cli(*command)
        assert result.code == EXIT_FAILED and "Traceback" not in result.stderr, command
        assert "caf\\\\xe9.jpg" in result.stdout if "--json" in command else "caf\\xe9.jpg" in result.stdout
    assert os.listdir(os.fsencode(root / "images")) and b"caf\xe9.jpg" in os.listdir(os.fsencode(root / "images"))


# --- symbolic links inside the image folder ----------------------------------------------------------------------------

def test_links_inside_the_folder_are_followed_and_said_to_be_links(tmp_path: Path) -> None:
    root = collection(tmp_path / "links", {"alias.jpg": lambda p: os.symlink(GOOD, p),
                                           "other.jpg": lambda p: os.symlink(GOOD, p)})
    before = tree_digest(root)
    ex = extract(root)
    notes = {Path(i.path or "").name: i.message for i in found(list(ex.issues), "I116")}
    assert notes == {
        "alias.jpg": "image alias.jpg is a symbolic link to good.jpg in the image folder: the bag holds a copy of "
                     "good.jpg's bytes under the name alias.jpg; the same file is also named good.jpg, other.jpg "
                     "in this folder",
        "other.jpg": "image other.jpg is a symbolic link to good.jpg in the image folder: the bag holds a copy of "
                     "good.jpg's bytes under the name other.jpg; the same file is also named alias.jpg, good.jpg "
                     "in this folder"}
    run = pipeline.build_bag(root, tmp_path / "bags", workers=1)
    assert run.ok
    objects = run.bag / "data" / "objects"
    assert sorted(p.name for p in objects.iterdir()) == ["alias.jpg", GOOD, "other.jpg"]
    assert not any(p.is_symlink() for p in objects.iterdir())  # the bag holds files, not links
    assert len({pixel_digest(p) for p in objects.iterdir()}) == 1  # one image, three records
    assert tree_digest(root) == before and os.readlink(root / "images" / "alias.jpg") == GOOD
    kept = json.loads((run.bag / "data/metadata/records.json").read_text("utf-8"))["issues"]
    assert [(i["code"], i["path"], i["message"]) for i in kept] == [
        ("I116", f"images/{name}", notes[name]) for name in ("alias.jpg", "other.jpg")]  # the bag says so too


# --- captions -----------------------------------------------------------------------------------------------------------

RLO, LRI, PDI = "\u202e", "\u2066", "\u2069"
CAPTIONS = {
    "nul.jpg": "A checkpoint in Beijing\x00 at night.",
    "bidi.jpg": f"A sign reads {RLO}gpj.exe{PDI} and {LRI}Kashgar{PDI} under it.",
    "nfd.jpg": unicodedata.normalize("NFD", "Ürümqi: a café beside the bazaar, where crowds gather."),
    "formula.jpg": "=HYPERLINK(\"http://example.com\",\"see\") was painted on a wall in Hangzhou.",
    "plus.jpg": "+86 numbers are painted on the shutters in Rongcheng.",
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pipeline.BagRun]:
    root = collection(tmp_path_factory.mktemp("captions") / "captions",
                      {name: (lambda p, n=n: noise(SEED + 20 + n).save(p, "JPEG")) for n, name in enumerate(CAPTIONS)},
                      CAPTIONS)
    return root, pipeline.build_bag(root, root.parent / "bags", workers=1)


def _item_issues(run: pipeline.BagRun) -> dict[str, list[tuple[str, int | None]]]:
    return {item.file: [(i.code, i.line) for i in item.issues if i.code in ("W110", "W118", "W119", "W311")]
            for item in run.items}


def test_caption_warnings_name_the_line(hostile: Any) -> None:
    root, run = hostile
    by_line = {(i.code, i.line) for i in run.extraction.issues}
    assert ("W110", 3) in by_line and ("W118", 4) in by_line and ("W119", 6) in by_line and ("W119", 7) in by_line
    (w118,) = [i for i in run.extraction.issues if i.code == "W118"]
    assert w118.message == ("caption on line 4 contains U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, "
                            "U+2069 POP DIRECTIONAL ISOLATE, which change the order in which the text around them is "
                            "shown; they are kept as written (shown here by code point): check that they belong to "
                            "the caption")
    assert not any(ch in w118.message for ch in (RLO, LRI, PDI))  # the warning itself cannot reorder a terminal
    assert [i.code for i in run.extraction.issues if i.line == 5] == []  # NFD is not a problem to report


def test_captions_are_kept_as_written_and_nul_becomes_u_fffd(hostile: Any) -> None:
    root, run = hostile
    assert run.ok, [(i.file, i.code, i.message) for item in run.items for i in item.issues if i.severity == "error"]
    records = {r["file"]: r for r in json.loads((run.bag / "data/metadata/records.json").read_text("utf-8"))["items"]}
    with ExifTool() as et:
        for name, caption in CAPTIONS.items():
            expected = caption.replace("\x00", "\ufffd")  # XML cannot carry NUL (W311), the same rule as BEL
            assert et.read(run.bag / "data/objects" / name)["XMP-dc:Description"] == expected, name
            assert records[name]["description"] == expected, name
    nfd = records["nfd.jpg"]["description"]
    assert unicodedata.is_normalized("NFD", nfd) and not unicodedata.is_normalized("NFC", nfd)  # not normalised
    assert "W311" in [i.code for i in next(i for i in run.items if i.file == "nul.jpg").issues]


def test_a_formula_caption_is_kept_in_metadata_csv_and_protected_in_the_review_sheet(hostile: Any) -> None:
    root, run = hostile
    metadata = (run.bag / "data/metadata/metadata.csv").read_text("utf-8")
    assert "=HYPERLINK(\"\"http://example.com\"\",\"\"see\"\")" in metadata  # exactly as written (CSV-quoted)
    sheet = write_review(root).sheet  # the sheet archivists open in a spreadsheet, where extract reads it
    assert sheet is not None and sheet.parent == root
    data = sheet.read_bytes()
    assert b"\"'=HYPERLINK(\"\"http://example.com\"\"" in data  # a spreadsheet shows it as text
    assert b"\"'+86 numbers" in data
    header, rows = cells.read_table(data, ("identifier", "caption"))
    read_back = {row[header.index("identifier")]: row[header.index("caption")] for _, row in rows}
    assert read_back["formula"] == CAPTIONS["formula.jpg"] and read_back["plus"] == CAPTIONS["plus.jpg"]
    again = extract(root)
    assert [i.code for i in again.all_issues() if i.code[1] == "1" and i.code[2] in "23"] == []  # no sheet issue
    assert {i.file: i.record.description for i in again.items}["formula.jpg"] == CAPTIONS["formula.jpg"]
    sheet.unlink()


def test_extract_text_output_shows_direction_controls_written_out(hostile: Any) -> None:
    root, _ = hostile
    result = run_cli("extract", root)
    assert result.code == 0 and not any(ch in result.stdout for ch in (RLO, LRI, PDI))  # nothing reorders the screen
    assert "A sign reads \\u202egpj.exe\\u2069 and" in result.stdout  # and the archivist sees they are there
    assert "W118 warning" in result.stdout


# --- caption CSV files ---------------------------------------------------------------------------------------------------

def write(tmp_path: Path, data: bytes, name: str = "captions.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bom_and_crlf_are_read_and_leave_no_trace(tmp_path: Path) -> None:
    data = "\ufefffilename,caption\r\na.jpg,\"Two lines:\r\nsecond.\"\r\nb.jpg,Plain.\r\n".encode()
    entries, issues = read_captions(write(tmp_path, data))
    assert [(e.file, e.text, e.line) for e in entries] == [("a.jpg", "Two lines:\r\nsecond.", 2), ("b.jpg", "Plain.", 4)]
    assert [(i.code, i.line) for i in issues] == [("W110", 2)]  # the quoted line break is kept, and said


def test_cp1252_is_refused_naming_line_byte_and_the_likely_encoding(tmp_path: Path) -> None:
    data = "filename,caption\na.jpg,Fine.\nb.jpg,Caf\u00e9 “Beijing”.\n".encode("cp1252")
    with pytest.raises(CollectionError) as err:
        read_captions(write(tmp_path, data))
    path = tmp_path / "captions.csv"
    assert err.value.message == (f"{path}, line 3: byte 0xe9 is not UTF-8 (invalid continuation byte); in "
                                 "Windows-1252, which Excel's plain \"CSV\" writes, it would be 'é', so the file is "
                                 "probably that: in Excel choose \"CSV UTF-8\"; save the file as UTF-8 (with or "
                                 "without BOM)")
    root = collection(tmp_path / "c", {})
    (root / "captions.csv").write_bytes(data)
    result = run_cli("extract", root)
    assert result.code == EXIT_FAILED and "Traceback" not in result.stderr and "line 3: byte 0xe9" in result.stderr


def test_utf16_with_bom_is_refused_up_front(tmp_path: Path) -> None:
    with pytest.raises(CollectionError) as err:
        read_captions(write(tmp_path, "filename,caption\na.jpg,A.\n".encode("utf-16")))
    assert [(i.code, i.line) for i in err.value.issues] == [("E103", 1)]
    assert "UTF-16 byte order mark" in err.value.message and "save the file as UTF-8" in err.value.message


def test_a_nul_in_a_caption_cell_is_w110_but_a_file_of_nuls_is_utf16(tmp_path: Path) -> None:
    entries, issues = read_captions(write(tmp_path, b"filename,caption\na.jpg,Bad\x00byte.\n"))
    assert [(e.text, e.line) for e in entries] == [("Bad\x00byte.", 2)]
    assert [(i.code, i.line) for i in issues] == [("W110", 2)]
    with pytest.raises(CollectionError) as err:
        read_captions(write(tmp_path, "filename,caption\na.jpg,A.\n".encode("utf-16-le"), "u16.csv"))
    assert "UTF-16 without BOM?" in err.value.message


def test_missing_and_extra_columns(tmp_path: Path) -> None:
    entries, issues = read_captions(write(tmp_path, b"filename,title\na.jpg,A title\n"))
    assert entries == [] and [(i.code, i.line) for i in issues] == [("E107", 1)]
    assert "missing: caption" in issues[0].message
    entries, issues = read_captions(write(tmp_path, b"filename,caption,notes\na.jpg\nb.jpg,Fine.\n", "short.csv"))
    assert [e.file for e in entries] == ["b.jpg"]
    assert [(i.code, i.line) for i in issues] == [("W111", 1), ("E107", 2)]
    assert "column 3 'notes' is not a record field and is ignored" in issues[0].message
    assert issues[1].message.endswith("line 2 has 1 value(s) but the header has 3, so it has no caption; give every "
                                      "row its cells (an empty cell is two commas)")


def test_a_caption_of_whitespace_only(tmp_path: Path) -> None:
    entries, issues = read_captions(write(tmp_path, b"filename,caption\na.jpg,\"  \t \"\nb.jpg,Fine.\n"))
    assert [e.file for e in entries] == ["b.jpg"]
    assert [(i.code, i.line) for i in issues] == [("E107", 2)] and "a.jpg has an empty caption" in issues[0].message
    entries, issues = read_captions(write(tmp_path, b"One.\n \t \nTwo.\n", "c.txt"))
    assert [(e.text, e.line) for e in entries] == [("One.", 1), ("Two.", 3)]
    assert [(i.code, i.line) for i in issues] == [("W102", 2)]


def test_a_bad_caption_file_through_the_command_line_stops_with_exit_code(tmp_path: Path) -> None:
    root = collection(tmp_path / "c", {})
    (root / "captions.csv").write_bytes("filename,caption\na.jpg,A.\n".encode("utf-16"))
    result = run_cli("bag", root, "--out", tmp_path / "bags", "--json")
    assert result.code in (EXIT_FAILED, EXIT_ENVIRONMENT) and "Traceback" not in result.stderr
    doc = result.json()
    assert doc["ok"] is False and [i["code"] for i in doc["issues"]] == ["E103"]
    assert not (tmp_path / "bags").exists()


def test_the_analysis_reads_a_caption_in_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Police stand guard in Ürümqi.")
    assert for_analysis(nfd) == "Police stand guard in Ürümqi." and for_analysis("Ürümqi") == "Ürümqi"
    assert nfd != for_analysis(nfd)  # the caption as written is another string: it is kept as it is


def test_an_nfd_caption_finds_the_same_places_and_keeps_its_spelling() -> None:
    written = unicodedata.normalize("NFD", "Police stand guard in Ürümqi.")
    record, _ = analyse(Item(identifier="a", file="a.jpg", image=Path("a.jpg"), caption=written, source="c.csv",
                             line=2), CollectionInfo(identifier="x", title="x"))
    assert record.description == written  # as written
    assert [loc.label() for loc in record.locations] == ["Ürümqi, Xinjiang, China"]


def test_line_sources_get_the_same_caption_warnings(tmp_path: Path) -> None:
    data = f"-20 degrees in Harbin.\nA sign: {RLO}abc{PDI}.\n@police on a poster.\nPlain.\n".encode()
    entries, issues = read_captions(write(tmp_path, data, "c.txt"))
    assert [e.text for e in entries] == data.decode().splitlines()  # nothing changed, nothing dropped
    assert [(i.code, i.line) for i in issues] == [("W119", 1), ("W118", 2), ("W119", 3)]
    assert issues[0].message.startswith("caption on line 1 starts with '-20 degrees ':")

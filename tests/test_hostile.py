"""Hostile captions through the whole command line (docs/architecture.md: text never reaches ExifTool as an argument).

One small collection (CSV captions, Pillow JPEGs with camera EXIF, fixed
seed) whose captions try everything that breaks a naive ExifTool wrapper:
newlines that would become ExifTool options (``-all=``, ``-o FILE``,
``-stay_open False``), quotes and backslashes, a ``base64:`` prefix that
``-json=`` would decode, CJK and emoji, a control character, XML specials, and
captions over the 2000-byte IIM Caption-Abstract limit. It is packaged once
with ``python -m packager bag ... --json`` (under a deadline); the tests then
only read what the run left behind.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from PIL import Image, ImageDraw

from .conftest import CliResult, run_cli, tree_digest, write_csv_collection

SEED = 20240101
DEADLINE = 60  # seconds; the run takes about one (a hang would be ExifTool waiting on -stay_open)
IIM_CAPTION_BYTES = 2000
MAKE = "NIKON CORPORATION"
MODEL = "NIKON D750"
# EXIF Orientation values and how `exiftool -j` prints them (no -n).
ORIENTATIONS = {1: "Horizontal (normal)", 3: "Rotate 180", 6: "Rotate 90 CW", 8: "Rotate 270 CW"}
CJK = ("北京市海淀区的十字路口安装了许多人脸识别摄像头和其他监控设备，警察在旁边巡逻。"
       "第二句话里有表情符号 📷🙂👍🏽 和“引号”。")
# A multi-byte tail so that byte 2000 falls inside a character: 16 + 3*661 = 1999 (+1 of a 3-byte char).
LONG_CJK = "A long caption. " + "日本語" * 700
# 15 + 4*496 = 1999 (+1 of a 4-byte char).
LONG_EMOJI = "Emoji caption. " + "😀" * 600
ELSEWHERE = "elsewhere.jpg"  # what the "-o" caption would create, next to the collection


def captions(base: Path) -> dict[str, str]:
    """Image file name -> caption as written in the CSV."""
    return {
        "wipe.jpg": "x\n-all=",
        "redirect.jpg": f"x\n-o\n{base / ELSEWHERE}",
        "hang.jpg": "x\n-stay_open\nFalse",
        "dash.jpg": "-all=",
        "carriage.jpg": "x\r-all=\r\nend",
        "quotes.jpg": 'He said "stop", she said \'go\'; path C:\\temp\\new, a literal \\n and \\" here.',
        "base64.jpg": "base64:SGVsbG8=",
        "cjk.jpg": CJK,
        "bell.jpg": "A bell \x07 rings at the checkpoint in Beijing.",
        "markup.jpg": "Tags <b>bold</b> & entities &amp; ]]> <![CDATA[x]]> <?pi?> end.",
        "long-cjk.jpg": LONG_CJK,
        "long-emoji.jpg": LONG_EMOJI,
        "plain.jpg": "Police officers patrol a square in Kashgar.",
    }


def expected_description(caption: str) -> str:
    """The project's rule (packager/text.py): U+0007 and friends become U+FFFD everywhere."""
    return caption.replace("\x07", "\ufffd")


def clip_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits ``limit`` UTF-8 bytes."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


@dataclass
class HostileRun:
    base: Path
    collection: Path
    out: Path
    captions: dict[str, str]
    cameras: dict[str, tuple[int, str]]  # file -> (orientation, DateTimeOriginal)
    before: dict[str, tuple[bytes, int]]  # the collection
    outside_before: dict[str, tuple[bytes, int]]  # the whole tmp tree
    outside_after: dict[str, tuple[bytes, int]]  # the whole tmp tree except OUT
    result: CliResult
    doc: dict[str, Any]
    bag: Path
    tags: dict[str, dict[str, Any]]  # file -> `exiftool -j -G1 -struct` record of the bag copy

    def item(self, file: str) -> dict[str, Any]:
        found = [i for i in self.doc.get("items", []) if i["file"] == file]
        assert len(found) == 1, f"{file} is not in the report once: {self.result.stdout[:3000]}"
        return found[0]

    def read(self, file: str) -> dict[str, Any]:
        """The tags ExifTool reads from the bag's copy of ``file``."""
        assert file in self.tags, (f"{file} is not in the bag (exit {self.result.code}); "
                                   f"see test_bag_is_written_and_valid: {self.result.stdout[:3000]}")
        return self.tags[file]


def _make_collection(base: Path) -> tuple[Path, dict[str, str], dict[str, tuple[int, str]]]:
    collection = base / "collection"
    images = collection / "images"
    images.mkdir(parents=True)
    texts = captions(base)
    write_csv_collection(collection, texts, "hostile-captions", "Hostile captions", collection='language = "en"\n')
    rng = random.Random(SEED)
    cameras = {}
    for n, name in enumerate(texts):
        image = Image.new("RGB", (160, 120), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(image)
        for _ in range(4):
            x, y = rng.randrange(140), rng.randrange(100)
            draw.ellipse((x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 60)),
                         fill=tuple(rng.randrange(256) for _ in range(3)))
        orientation = list(ORIENTATIONS)[n % len(ORIENTATIONS)]
        when = f"2024:01:01 12:{n:02d}:00"
        exif = Image.Exif()
        exif[0x010F] = MAKE
        exif[0x0110] = MODEL
        exif[0x0112] = orientation
        exif.get_ifd(0x8769)[0x9003] = when  # DateTimeOriginal
        image.save(images / name, "JPEG", quality=85, exif=exif.tobytes())
        cameras[name] = (orientation, when)
    return collection, texts, cameras


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise TimeoutError in the main thread after ``seconds``; subprocess.run then kills its child."""
    if threading.current_thread() is not threading.main_thread():  # signals only work there
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"packager bag did not finish within {seconds} s (hung on a caption?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _read_tags(files: list[Path]) -> dict[str, dict[str, Any]]:
    proc = subprocess.run(["exiftool", "-j", "-G1", "-struct", *map(str, files)], capture_output=True,
                          timeout=60, check=True)
    return {Path(r["SourceFile"]).name: r for r in json.loads(proc.stdout.decode("utf-8"))}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    base = tmp_path_factory.mktemp("hostile")
    collection, texts, cameras = _make_collection(base)
    before = tree_digest(collection)
    scratch = base / "tmp"  # the packager's temporary files go here, so that leftovers are seen
    scratch.mkdir()
    outside_before = tree_digest(base)
    out = base / "out"
    with pytest.MonkeyPatch.context() as mp, deadline(DEADLINE):
        mp.setenv("TMPDIR", str(scratch))
        # cwd inside the watched tree: a relative path smuggled to ExifTool would land here
        result = run_cli("bag", collection, "--out", out, "--json", cwd=base)
    outside_after = {k: v for k, v in tree_digest(base).items() if not k.startswith("out/")}
    try:
        doc = json.loads(result.stdout)  # exactly one JSON document, or the first test says why not
    except json.JSONDecodeError:
        doc = {}
    bag = Path(doc["bag"]) if doc.get("bag") else out / "hostile-captions"
    objects = sorted((bag / "data" / "objects").glob("*")) if bag.is_dir() else []
    return HostileRun(base=base, collection=collection, out=out, captions=texts, cameras=cameras, before=before,
                      outside_before=outside_before, outside_after=outside_after, result=result, doc=doc,
                      bag=bag, tags=_read_tags(objects) if objects else {})


def test_bag_is_written_and_valid(run: HostileRun) -> None:
    assert run.result.code == 0, run.result.stdout + run.result.stderr
    assert run.doc["ok"] is True
    assert run.doc["summary"]["errors"] == 0
    assert run.doc["validation"]["valid"] is True
    assert run.doc["validation"]["errors"] == 0
    assert run.bag == run.out / "hostile-captions"
    assert sorted(p.name for p in run.out.iterdir()) == ["hostile-captions"]  # no .partial left
    assert sorted(run.tags) == sorted(run.captions)  # exactly the images, nothing smuggled in
    assert run.doc["summary"]["items"] == len(run.captions)


def test_bag_passes_an_independent_bagit_validator(run: HostileRun) -> None:
    bagit = pytest.importorskip("bagit")
    bagit.Bag(str(run.bag)).validate()


def test_description_in_xmp_iim_and_exif(run: HostileRun) -> None:
    for file, caption in run.captions.items():
        tags, want = run.read(file), expected_description(caption)
        assert tags["XMP-dc:Description"] == want, file
        assert tags["IFD0:ImageDescription"] == want, file
        assert tags["IPTC:Caption-Abstract"] == clip_utf8(want, IIM_CAPTION_BYTES), file
        assert tags["IPTC:CodedCharacterSet"] == "UTF8", file
        assert run.item(file)["description"] == want, file


def test_long_captions_are_clipped_in_iim_at_a_character_boundary(run: HostileRun) -> None:
    for file, full in (("long-cjk.jpg", LONG_CJK), ("long-emoji.jpg", LONG_EMOJI)):
        tags = run.read(file)
        iim = tags["IPTC:Caption-Abstract"]
        # Byte 2000 falls inside a character, so the clipped value is 1999 bytes of whole characters.
        assert len(iim.encode("utf-8")) == 1999, file
        assert "\ufffd" not in iim and full.startswith(iim), file
        assert tags["XMP-dc:Description"] == full  # XMP keeps the whole text
        assert len(full.encode("utf-8")) > IIM_CAPTION_BYTES


def test_values_are_the_records_in_every_image(run: HostileRun) -> None:
    """The ``-all=`` and friends did not wipe or overwrite anything: each image holds its own record."""
    for file in run.captions:
        item, tags = run.item(file), run.read(file)
        assert tags["XMP-dc:Identifier"] == item["identifier"], file
        assert tags["XMP-dc:Title"] == item["title"], file
        assert tags["IPTC:ObjectName"] == clip_utf8(item["title"], 64), file
        assert tags["XMP-photoshop:Headline"] == item["headline"], file
        assert tags["IPTC:Headline"] == clip_utf8(item["headline"], 256), file
    identifiers = [run.item(f)["identifier"] for f in run.captions]
    assert len(set(identifiers)) == len(identifiers)


def test_camera_exif_survives_in_every_image(run: HostileRun) -> None:
    for file, (orientation, when) in run.cameras.items():
        tags = run.read(file)
        assert tags["IFD0:Make"] == MAKE, file
        assert tags["IFD0:Model"] == MODEL, file
        assert tags["IFD0:Orientation"] == ORIENTATIONS[orientation], file
        assert tags["ExifIFD:DateTimeOriginal"] == when, file


def test_nothing_is_written_outside_out(run: HostileRun) -> None:
    assert run.outside_after == run.outside_before
    assert not (run.base / ELSEWHERE).exists()
    assert not list(run.base.rglob(f"*{Path(ELSEWHERE).stem}*"))
    assert list((run.base / "tmp").iterdir()) == []  # the packager's temporary files were removed
    payload = sorted(p.relative_to(run.bag / "data").as_posix()
                     for p in (run.bag / "data").rglob("*") if p.is_file())
    assert [p for p in payload if not p.startswith("metadata/")] == sorted(f"objects/{f}" for f in run.captions)


def test_originals_are_unchanged(run: HostileRun) -> None:
    assert tree_digest(run.collection) == run.before


def test_report_names_the_clipped_and_the_cleaned(run: HostileRun) -> None:
    def codes(file: str, code: str) -> list[dict[str, Any]]:
        return [i for i in run.item(file)["issues"] if i["code"] == code]

    for file in ("long-cjk.jpg", "long-emoji.jpg"):
        clipped = [i for i in codes(file, "W301") if "IPTC:Caption-Abstract" in i["message"]]
        assert len(clipped) == 1, run.item(file)["issues"]
        assert clipped[0]["severity"] == "warning"
        assert clipped[0]["path"] == file
        assert f"from {len(run.captions[file].encode('utf-8'))} to 2000 bytes" in clipped[0]["message"]
    (cleaned,) = [i for i in codes("bell.jpg", "W311") if i["field"] == "description"]
    assert cleaned["severity"] == "warning" and cleaned["path"] == "bell.jpg" and "bell.jpg" in cleaned["message"]
    for file in run.captions:
        if file != "bell.jpg":
            assert not codes(file, "W311"), file
        if file not in ("long-cjk.jpg", "long-emoji.jpg"):
            assert not [i for i in codes(file, "W301") if "Caption-Abstract" in i["message"]], file


def test_cjk_title_fits_iim_and_is_not_cut_mid_character(run: HostileRun) -> None:
    tags = run.read("cjk.jpg")
    first_sentence = CJK.split("。")[0]
    assert len(first_sentence.encode("utf-8")) > 64
    title = tags["XMP-dc:Title"]
    assert 0 < len(title.encode("utf-8")) <= 64
    assert tags["IPTC:ObjectName"] == title  # short enough that IIM did not cut it again
    assert "\ufffd" not in title and set(title) <= set(first_sentence) | set(", ")  # whole characters


def _exiv2(key: str, path: Path) -> str:
    proc = subprocess.run(["exiv2", "-q", "-K", key, "-Pv", str(path)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.decode("utf-8").removesuffix("\n")


def test_exiv2_reads_the_same_cjk_and_emoji_description(run: HostileRun) -> None:
    path = run.bag / "data" / "objects" / "cjk.jpg"
    expected = run.read("cjk.jpg")["XMP-dc:Description"]
    assert expected == CJK
    assert _exiv2("Xmp.dc.description", path).removeprefix('lang="x-default" ') == expected
    assert _exiv2("Iptc.Application2.Caption", path) == expected


def test_sidecars_carry_the_same_descriptions(run: HostileRun) -> None:
    dc = "{http://purl.org/dc/elements/1.1/}"
    records = json.loads((run.bag / "data" / "metadata" / "records.json").read_text(encoding="utf-8"))
    by_file = {r["file"]: r for r in records["items"]}
    for file, caption in run.captions.items():
        item = run.item(file)
        xml = etree.parse(str(run.bag / "data" / "metadata" / "dc" / f"{item['identifier']}.xml"))
        assert [e.text for e in xml.iter(f"{dc}description")] == [expected_description(caption)], file
        assert by_file[file]["description"] == expected_description(caption), file


def test_report_does_not_claim_a_replaced_control_character_was_kept(run: HostileRun) -> None:
    line = run.item("bell.jpg")["caption_line"]
    about_bell = [i for i in run.doc["issues"] if i.get("line") == line] + run.item("bell.jpg")["issues"]
    assert any(i["code"] == "W311" for i in about_bell)
    assert not [i for i in about_bell if "kept as written" in i["message"]], about_bell

"""The sample collection: seed captions, stand-in images, collection description."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from PIL import ExifTags, Image

ROOT = Path(__file__).resolve().parent.parent
COLLECTION = ROOT / "collection"
IMAGES = COLLECTION / "images"
SEED_SHA256 = "ebe0ad2193f9ac0a80eab9015ebb4ee4fbee2da3304180d7efd0add88333b5ea"  # the seed captions file, pinned byte for byte
NAMES = [f"Surv - {n:03d}.jpg" for n in range(1, 26)]


@pytest.fixture(scope="module")
def script() -> ModuleType:
    """scripts/make_standins.py imported as a module (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_standins", ROOT / "scripts" / "make_standins.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def exiftool_tags() -> dict[str, dict[str, object]]:
    """All 25 images read by one ExifTool call, keyed by file name."""
    out = subprocess.run(["exiftool", "-j", "-G1", "-a", *(str(IMAGES / n) for n in NAMES)],
                         capture_output=True, check=True).stdout
    return {Path(doc["SourceFile"]).name: doc for doc in json.loads(out)}


# --- captions ---------------------------------------------------------------

def test_captions_are_the_seed_byte_for_byte() -> None:
    data = (COLLECTION / "captions.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == SEED_SHA256
    lines = data.decode("utf-8").split("\n")
    assert len(lines) == 27 and lines[-2:] == ["Surv - 021.jpg", "prev / next"]


# --- stand-in images --------------------------------------------------------

def test_twenty_five_images_and_nothing_else() -> None:
    assert sorted(p.name for p in IMAGES.iterdir()) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_image_shape_and_exif_with_pillow(name: str) -> None:
    path = IMAGES / name
    assert path.stat().st_size < 300_000
    with Image.open(path) as image:
        assert image.format == "JPEG" and image.size == (1200, 800) and image.mode == "RGB"
        assert "xmp" not in image.info and "photoshop" not in image.info
        segments = [(marker, body[:30]) for marker, body in image.applist]
        assert [m for m, _ in segments] == ["APP0", "APP1"], segments  # JFIF + EXIF; no APP13 (IIM)
        assert segments[1][1].startswith(b"Exif\x00\x00"), segments  # the APP1 is EXIF, not XMP
        exif = image.getexif()
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        assert exif[ExifTags.Base.Make] == "NIKON CORPORATION" and exif[ExifTags.Base.Model] == "NIKON D750"
        assert exif[ExifTags.Base.Orientation] == 1
        assert exif[ExifTags.Base.XResolution] == 300 and exif[ExifTags.Base.ResolutionUnit] == 2
        assert "make_standins.py" in exif[ExifTags.Base.Software]
        assert re.fullmatch(r"2024:01:01 1[2-4]:\d\d:00", sub[ExifTags.Base.DateTimeOriginal])
        assert sub[ExifTags.Base.DateTimeOriginal] == exif[ExifTags.Base.DateTime]
        assert len(image.getcolors(1_000_000) or []) > 1000  # gradients and shapes, not a flat card


def test_exif_read_back_with_exiftool(exiftool_tags: dict[str, dict[str, object]]) -> None:
    assert sorted(exiftool_tags) == NAMES
    for name, tags in exiftool_tags.items():
        assert tags["IFD0:Make"] == "NIKON CORPORATION" and tags["IFD0:Model"] == "NIKON D750", name
        assert tags["IFD0:Orientation"] == "Horizontal (normal)", name
        assert tags["ExifIFD:DateTimeOriginal"] == tags["IFD0:ModifyDate"], name
        assert {"ExifIFD:ExposureTime", "ExifIFD:FNumber", "ExifIFD:ISO", "ExifIFD:FocalLength"} <= set(tags)
        assert (tags["File:ImageWidth"], tags["File:ImageHeight"]) == (1200, 800)
        groups = {key.split(":", 1)[0] for key in tags}
        assert not groups & {"XMP", "XMP-x", "XMP-dc", "IPTC", "Photoshop"}, (name, groups)
        assert not any(g.startswith(("XMP", "IPTC")) for g in groups), (name, groups)


def test_dates_step_through_the_set(exiftool_tags: dict[str, dict[str, object]]) -> None:
    dates = [exiftool_tags[n]["ExifIFD:DateTimeOriginal"] for n in NAMES]
    assert dates[0] == "2024:01:01 12:00:00" and dates[-1] == "2024:01:01 14:48:00"
    assert len(set(dates)) == 25


def test_output_is_deterministic_and_matches_the_committed_files(script: ModuleType, tmp_path: Path) -> None:
    assert script.main(["--only", "1", "14", "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAMES[0], NAMES[13]]
    for name in (NAMES[0], NAMES[13]):
        assert (tmp_path / name).read_bytes() == (IMAGES / name).read_bytes(), name
    captions = script.read_captions(COLLECTION / "captions.txt")
    assert script.standin_bytes(7, captions[6]) == script.standin_bytes(7, captions[6])
    assert script.standin_bytes(7, captions[6]) != script.standin_bytes(8, captions[6])


def test_check_mode_reports_differences(script: ModuleType, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert script.main(["--check"]) == 0
    assert script.main(["--only", "3", "--out", str(tmp_path)]) == 0
    target = tmp_path / NAMES[2]
    target.write_bytes(target.read_bytes()[:-10])
    assert script.main(["--check", "--only", "3", "5", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "2 stand-in(s) differ" in err and NAMES[2] in err and NAMES[4] in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAMES[2]]  # --check wrote nothing


def test_caption_excerpt(script: ModuleType) -> None:
    captions = script.read_captions(COLLECTION / "captions.txt")
    assert len(captions) == 25 and captions[0].startswith("A police robot")
    short = script.excerpt(captions[0])
    assert short == "A police robot equipped with surveillance cameras on patrol in …"
    assert script.excerpt("short one") == "short one"


def test_script_runs_from_the_command_line() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_standins.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


# --- collection.toml ----------------------------------------------------------

def test_collection_description() -> None:
    doc = tomllib.loads((COLLECTION / "collection.toml").read_text(encoding="utf-8"))
    info = doc["collection"]
    required = {"identifier", "title", "description", "language", "rights", "creator", "publisher", "date",
                "coverage", "source", "credit", "digital_source_type", "contact"}
    assert required <= set(info)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info["identifier"])
    assert info["creator"] == [] and info["publisher"] == "" and info["contact"] == "" and info["credit"] == ""
    assert info["language"] == "en" and info["coverage"] == "China" and info["date"] == "2017/2019"
    assert info["digital_source_type"] == "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    assert "stand-in" in info["description"] and "stand-in" in info["rights"]
    assert "http" not in info["source"]  # the gallery URL was not recorded; none is invented
    assert len(info["rights"].encode()) <= 128 and len(info["source"].encode()) <= 32  # whole in IIM
    assert doc["source"] == {"captions": "captions.txt", "images": "images", "pattern": "Surv - {n:03d}.jpg"}
    assert [doc["source"]["pattern"].format(n=n) for n in range(1, 26)] == NAMES
    assert list(doc["bag-info"]) == ["Source-Organization", "External-Description", "Internal-Sender-Identifier"]
    assert "Contact-Name" not in doc["bag-info"]

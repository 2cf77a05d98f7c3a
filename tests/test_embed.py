"""packager.embed against the real ExifTool (and exiv2 as an independent reader)."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager.embed.exiftool import ExifTool
from packager.errors import EnvironmentProblem, PackagerError
from packager.files import exiftool as session
from packager.metadata import tagvalues, text

from .conftest import CONFORMANCE as CONFORMANCE_ROOT

CONFORMANCE = CONFORMANCE_ROOT / "images"
TEXT_TAGS = ("XMP-dc:Description", "IPTC:Caption-Abstract", "IFD0:ImageDescription")
CAMERA = {"IFD0:Make": "TestCam", "IFD0:Model": "Model X", "ExifIFD:DateTimeOriginal": "2021:05:06 07:08:09",
          "IFD0:Orientation": "Rotate 90 CW", "IFD0:XResolution": "300"}
needs_exiv2 = pytest.mark.skipif(shutil.which("exiv2") is None, reason="exiv2 not installed")


@pytest.fixture(scope="module")
def et() -> Iterator[ExifTool]:
    with ExifTool() as tool:
        yield tool


def camera_jpeg(path: Path, size: tuple[int, int] = (96, 64), seed: int = 7) -> Path:
    """A JPEG with random pixels (fixed seed) and the EXIF a camera would write."""
    rnd = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
                   for _ in range(size[0] * size[1])])
    exif = Image.Exif()
    exif.update({0x010F: "TestCam", 0x0110: "Model X", 0x0112: 6, 0x011A: 300, 0x011B: 300, 0x0128: 2})
    exif.get_ifd(0x8769)[0x9003] = "2021:05:06 07:08:09"
    image.save(path, quality=90, exif=exif)
    return path


@pytest.fixture
def jpeg(tmp_path: Path) -> Path:
    return camera_jpeg(tmp_path / "camera.jpg")


def conformance(name: str, tmp_path: Path) -> Path:
    """A writable copy of a conformance image (the originals are never written)."""
    target = tmp_path / name
    shutil.copyfile(CONFORMANCE / name, target)
    return target


def exiv2_value(path: Path, key: str) -> str:
    """One value as Exiv2 prints it (plain value, raw bytes decoded strictly as UTF-8)."""
    done = subprocess.run(["exiv2", "-q", "-K", key, "-Pv", str(path)], capture_output=True, check=True)
    return done.stdout.decode("utf-8").removesuffix("\n")


def codes(found: list[Any]) -> list[str]:
    return [issue.code for issue in found]


HOSTILE = {
    "newline-all": "x\n-all=",
    "newline-o": "x\n-o\n{elsewhere}",
    "newline-stay-open": "x\n-stay_open\nFalse",
    "quotes-backslashes": 'say "hi" it\'s C:\\dir\\ and \\n not a newline',
    "base64-prefix": "base64:aGVsbG8=",
    "cjk": "北京后海的监控摄像头",
    "emoji": "camera 📷 watching 👁️ you",
    "c1-and-del": "del\x7f nel\x85 csi\x9b",
    "tab-cr-lf": "a\tb\r\nc\rd\n",
    "json-lookalikes": "1.50",
    "boolean-lookalike": "True",
    "padded": "  leading and trailing  ",
    "long": "监控 surveillance " * 400,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text_round_trips_exactly(et: ExifTool, tmp_path: Path, name: str) -> None:
    jpeg = camera_jpeg(tmp_path / "camera.jpg")
    value = HOSTILE[name].format(elsewhere=tmp_path / "elsewhere.jpg")
    tags = {tag: value for tag in TEXT_TAGS}
    found = et.write(jpeg, tags)
    assert not [i for i in found if i.severity == "error"]
    read = et.read(jpeg)
    assert read["XMP-dc:Description"] == value
    assert read["IFD0:ImageDescription"] == value
    iim = value.encode("utf-8")[:2000].decode("utf-8", "ignore")
    assert read["IPTC:Caption-Abstract"] == iim
    assert codes(found) == (["W301"] if iim != value else [])
    assert et.verify(jpeg, tags, read) == []


@pytest.mark.parametrize("name", ["newline-all", "newline-o", "newline-stay-open"])
def test_injected_options_have_no_effect(et: ExifTool, tmp_path: Path, name: str) -> None:
    jpeg = camera_jpeg(tmp_path / "camera.jpg")
    elsewhere = tmp_path / "elsewhere.jpg"
    value = HOSTILE[name].format(elsewhere=elsewhere)
    before = et.read(jpeg)
    process = et._process
    started = time.monotonic()
    assert et.write(jpeg, {tag: value for tag in TEXT_TAGS}) == []
    after = et.read(jpeg)
    assert time.monotonic() - started < 10
    assert et._process is process  # same process, still answering
    assert not elsewhere.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["camera.jpg"]
    assert sorted(p.name for p in Path(et._tmp.name).iterdir()) == []
    for tag, expected in CAMERA.items():
        assert after[tag] == expected
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    allowed = set(TEXT_TAGS) | tagvalues.BOOKKEEPING | {"XMP-x:XMPToolkit", "File:CurrentIPTCDigest"}
    assert {k for k in changed if not k.startswith("System:")} <= allowed
    assert after["IPTC:Caption-Abstract"] == value


def test_base64_prefix_in_lists_and_structures(et: ExifTool, jpeg: Path) -> None:
    tags = {"XMP-dc:Subject": ["base64:aGVsbG8=", "plain"], "IPTC:Keywords": ["base64:aGVsbG8="],
            "XMP-iptcExt:LocationShown": [{"City": "base64:aGVsbG8=", "LocationId": ["base64:aGVsbG8="]}]}
    assert et.write(jpeg, tags) == []
    read = et.read(jpeg)
    assert read["XMP-dc:Subject"] == ["base64:aGVsbG8=", "plain"]
    assert read["IPTC:Keywords"] == ["base64:aGVsbG8="]
    assert read["XMP-iptcExt:LocationShown"] == [{"City": "base64:aGVsbG8=", "LocationId": ["base64:aGVsbG8="]}]


def test_control_characters_become_replacement_character_in_every_copy(et: ExifTool, jpeg: Path) -> None:
    tags = {tag: "bell\x07 nul\x00 esc\x1b" for tag in TEXT_TAGS}
    found = et.write(jpeg, tags)
    assert codes(found) == ["W311"] * 3
    assert "3 character(s)" in found[0].message
    read = et.read(jpeg)
    for tag in TEXT_TAGS:
        assert read[tag] == "bell\ufffd nul\ufffd esc\ufffd"
    assert text.storable_text("a\x01\tb\ufffe") == "a\ufffd\tb\ufffd"
    assert et.verify(jpeg, tags, read) == []


def test_iim_is_utf8_on_disk(et: ExifTool, jpeg: Path) -> None:
    caption = "后海 Houhai 監視 ©"
    assert et.write(jpeg, {"IPTC:Caption-Abstract": caption, "IPTC:Keywords": ["监控"]}) == []
    data = jpeg.read_bytes()
    assert caption.encode("utf-8") in data
    assert b"\x1c\x01\x5a\x00\x03\x1b%G" in data  # dataset 1:90 = ESC % G (UTF-8)
    read = et.read(jpeg)
    assert read["IPTC:CodedCharacterSet"] == "UTF8"
    assert read["IPTC:Keywords"] == ["监控"]


@needs_exiv2
def test_exiv2_reads_what_exiftool_reads(et: ExifTool, jpeg: Path) -> None:
    value = "后海的监控摄像头 📷 «quoted»"
    assert et.write(jpeg, {tag: value for tag in TEXT_TAGS}) == []
    read = et.read(jpeg)
    assert exiv2_value(jpeg, "Iptc.Application2.Caption") == value == read["IPTC:Caption-Abstract"]
    assert exiv2_value(jpeg, "Exif.Image.ImageDescription") == value == read["IFD0:ImageDescription"]
    assert exiv2_value(jpeg, "Xmp.dc.description") == f'lang="x-default" {value}'
    assert exiv2_value(jpeg, "Iptc.Envelope.CharacterSet") == "\x1b%G"


def test_iptc_digest_is_current(et: ExifTool, tmp_path: Path) -> None:
    stale = conformance("exiftool_IPTC.jpg", tmp_path)  # ships with a stale IPTCDigest
    assert "IPTCDigest is not current" in str(et.read(stale).get("ExifTool:Warning"))
    et.write(stale, {"IPTC:Caption-Abstract": "fresh caption"})
    done = subprocess.run(["exiftool", "-s3", "-IPTCDigest", "-CurrentIPTCDigest", str(stale)],
                          capture_output=True, text=True, check=True)
    stored, current = done.stdout.split()
    assert stored == current and len(stored) == 32
    assert "ExifTool:Warning" not in et.read(stale)


def test_camera_exif_and_maker_notes_survive(et: ExifTool, tmp_path: Path) -> None:
    canon = conformance("exiv2_smiley2.jpg", tmp_path)
    before = et.read(canon)
    found = et.write(canon, {"XMP-dc:Description": "d", "IPTC:Caption-Abstract": "c", "IFD0:ImageDescription": "e"})
    assert "E302" not in codes(found)
    after = et.read(canon)
    kept = [k for k in before if k.split(":")[0] in ("Canon", "ExifIFD", "IFD0", "Composite")
            and k not in ("IFD0:ImageDescription",)]
    assert len([k for k in kept if k.startswith("Canon:")]) > 50
    assert {k: after.get(k) for k in kept} == {k: before[k] for k in kept}
    assert after["IPTC:By-line"] == ["Brad"] and after["IPTC:ObjectName"] == "This is a title"


def test_icc_profile_survives(et: ExifTool, tmp_path: Path) -> None:
    rich = conformance("exiftool_ExifTool.jpg", tmp_path)
    before = et.read(rich)
    et.write(rich, {"XMP-dc:Description": "d", "IPTC:Caption-Abstract": "c"})
    after = et.read(rich)
    icc = [k for k in before if k.startswith(("ICC", "ExifIFD:", "IFD0:", "MPImage"))
           and not k.endswith("MPImageStart")]
    assert len(icc) > 40
    assert {k: after.get(k) for k in icc} == {k: before[k] for k in icc}


def test_latin1_iim_is_transcoded_not_relabelled(et: ExifTool, tmp_path: Path) -> None:
    smiley = conformance("exiv2_smiley1.jpg", tmp_path)
    assert b"\xa9 2004 Nobody" in smiley.read_bytes()
    assert et.read(smiley)["IPTC:CopyrightNotice"] == "© 2004 Nobody"  # unmarked IIM is read as Latin
    found = et.write(smiley, {"IPTC:Caption-Abstract": "新しい caption"})
    assert codes(found) == ["W307"]  # the over-long Category (3 bytes max) is the image's own: not cut
    read = et.read(smiley)
    assert read["IPTC:Category"] == "Things"
    assert read["IPTC:CopyrightNotice"] == "© 2004 Nobody"
    assert read["IPTC:Caption-Abstract"] == "新しい caption"
    assert read["IPTC:Keywords"] == ["Green", "Smiley", "Dude"]
    assert read["IPTC:City"] == "Seattle"
    data = smiley.read_bytes()
    assert b"\xc2\xa9 2004 Nobody" in data and b"\x00\x0d\xa9 2004" not in data


def test_second_write_to_utf8_file_does_not_transcode_again(et: ExifTool, jpeg: Path) -> None:
    assert et.write(jpeg, {"IPTC:Caption-Abstract": "©"}) == []
    assert et.write(jpeg, {"IPTC:Headline": "é"}) == []
    read = et.read(jpeg)
    assert (read["IPTC:Caption-Abstract"], read["IPTC:Headline"]) == ("©", "é")


@pytest.mark.parametrize("name, file_format", [("exiftool_RIFF.webp", "WEBP"), ("exiv2_Stonehenge.heic", "HEIC"),
                                               ("exiv2_avif_exif_xmp.avif", "AVIF"), ("exiftool_PNG.png", "PNG")])
def test_formats_without_iim_get_xmp_and_exif_only(et: ExifTool, tmp_path: Path, name: str, file_format: str) -> None:
    image = conformance(name, tmp_path)
    tags = {"XMP-dc:Description": "后海 caption", "IPTC:Caption-Abstract": "后海 caption",
            "IPTC:Keywords": ["k"], "IFD0:ImageDescription": "后海 caption"}
    found = et.write(image, tags)
    w305 = [i for i in found if i.code == "W305"]
    assert len(w305) == 1 and w305[0].message.startswith(f"{file_format} files cannot carry IPTC-IIM")
    assert not [i for i in found if i.severity == "error"]
    read = et.read(image)
    assert read["XMP-dc:Description"] == read["IFD0:ImageDescription"] == "后海 caption"
    assert not [k for k in read if k.startswith(("IPTC", "Photoshop"))]
    assert et.verify(image, tags, read) == []


def test_location_shown_structure_round_trips(et: ExifTool, jpeg: Path) -> None:
    locations = [{"Sublocation": "Houhai Lake", "City": "Beijing", "ProvinceState": "Beijing",
                  "CountryName": "China", "CountryCode": "CHN",
                  "LocationId": ["http://sws.geonames.org/1816670/", "https://www.wikidata.org/wiki/Q956"]},
                 {"City": "Kashgar", "CountryName": "China", "CountryCode": "CHN", "LocationId": ["urn:x:1"]}]
    tags = {"XMP-iptcExt:LocationShown": locations, "XMP-iptcExt:Event": "Party congress",
            "XMP-iptcExt:DigitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
            "XMP-dc:Creator": ["Anonymous"], "IPTC:By-line": ["Anonymous"]}
    assert et.write(jpeg, tags) == []
    read = et.read(jpeg)
    assert read["XMP-iptcExt:LocationShown"] == locations
    assert read["XMP-dc:Creator"] == ["Anonymous"] and read["IPTC:By-line"] == ["Anonymous"]
    reordered = {**tags, "XMP-iptcExt:LocationShown": [dict(reversed(list(loc.items()))) for loc in locations],
                 "XMP-dc:Creator": "Anonymous"}
    assert et.verify(jpeg, reordered) == []


def test_verify_reports_each_changed_tag(et: ExifTool, jpeg: Path) -> None:
    tags = {"XMP-dc:Description": "original", "IPTC:Caption-Abstract": "original", "XMP-dc:Subject": ["a", "b"],
            "IPTC:CodedCharacterSet": "ignored bookkeeping"}
    assert et.write(jpeg, tags) == []
    assert et.verify(jpeg, tags) == []
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=tampered", str(jpeg)], check=True)
    found = et.verify(jpeg, tags)
    assert codes(found) == ["E303"]
    assert found[0].field == "XMP-dc:Description" and "'tampered'" in found[0].message
    fewer = et.verify(jpeg, {**tags, "XMP-dc:Subject": ["a"]})
    assert sorted(i.field for i in fewer) == ["XMP-dc:Description", "XMP-dc:Subject"]


@needs_exiv2
def test_verify_notices_iim_changed_behind_the_digest(et: ExifTool, jpeg: Path) -> None:
    tags = {"IPTC:Caption-Abstract": "original", "XMP-dc:Description": "original"}
    assert et.write(jpeg, tags) == []
    subprocess.run(["exiv2", "-M", "set Iptc.Application2.Caption String tampered", str(jpeg)], check=True)
    found = et.verify(jpeg, tags)
    assert sorted(i.field for i in found) == ["IPTC:Caption-Abstract", "Photoshop:IPTCDigest"]


def test_iim_values_are_clipped_at_a_character_boundary(et: ExifTool, jpeg: Path) -> None:
    found = et.write(jpeg, {"IPTC:Keywords": ["漢" * 30], "XMP-dc:Subject": ["漢" * 30]})
    assert codes(found) == ["W301"]
    read = et.read(jpeg)
    assert read["IPTC:Keywords"] == ["漢" * 21] and read["XMP-dc:Subject"] == ["漢" * 30]


def test_write_failures_are_issues_not_exceptions(et: ExifTool, tmp_path: Path) -> None:
    text = tmp_path / "not-an-image.jpg"
    text.write_text("hello")
    for path in (text, tmp_path / "missing.jpg"):
        found = et.write(path, {"XMP-dc:Description": "x"})
        assert codes(found) == ["E302"] and str(path) in found[0].message
    with pytest.raises(PackagerError) as caught:
        et.write(tmp_path / "bad\nname.jpg", {"XMP-dc:Description": "x"})
    assert caught.value.issues[0].code == "E309"
    with pytest.raises(ValueError):
        et.write(text, {"XMP-dc:Description\n-all=": "x"})
    camera = camera_jpeg(tmp_path / "ok.jpg")
    assert et.write(camera, {"XMP-dc:Description": "after failures"}) == []


def test_read_many_keeps_order_and_marks_unreadable(et: ExifTool, tmp_path: Path) -> None:
    first, second = camera_jpeg(tmp_path / "b.jpg"), camera_jpeg(tmp_path / "a.jpg", seed=8)
    et.write(first, {"XMP-dc:Description": "first"})
    records = et.read_many([first, tmp_path / "missing.jpg", second])
    assert records[0]["XMP-dc:Description"] == "first"
    assert "File not found" in records[1]["ExifTool:Error"]
    assert "XMP-dc:Description" not in records[2] and records[2]["IFD0:Make"] == "TestCam"
    assert "SourceFile" not in records[0]
    single = et.read(first)
    assert single.keys() == records[0].keys() and single["IFD0:Make"] == records[0]["IFD0:Make"]


def test_missing_or_old_exiftool_is_an_environment_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(session.ENV_VAR, str(tmp_path / "nowhere" / "exiftool"))
    with pytest.raises(EnvironmentProblem) as caught:
        session.find_exiftool()
    assert caught.value.issues[0].code == "E004" and caught.value.exit_code == 3
    old = fake_exiftool(tmp_path, "old", version="10.80")
    monkeypatch.setenv(session.ENV_VAR, str(old))
    assert session.find_exiftool() == str(old)
    with pytest.raises(EnvironmentProblem) as caught:
        ExifTool().start()
    assert caught.value.issues[0].code == "E005" and "10.80" in caught.value.message
    with pytest.raises(EnvironmentProblem) as caught:
        ExifTool(executable=str(fake_exiftool(tmp_path, "liar", version="not a version"))).start()
    assert caught.value.issues[0].code == "E004"


FAKE = '''#!{python}
import sys, time
if sys.argv[1:] == ["-ver"]:
    print({version!r})
    sys.exit(0)
args = []
for line in sys.stdin:
    line = line.rstrip("\\n")
    if not line.startswith("-execute"):
        args.append(line)
        continue
    n = line[len("-execute"):]
    if args[0] != "-ver":
        {misbehave}
    sys.stdout.write("12.57\\n{{ready%s}}\\n" % n)
    sys.stdout.flush()
    sys.stderr.write("=0=post%s\\n" % n)
    sys.stderr.flush()
    args = []
'''


def fake_exiftool(tmp_path: Path, name: str, version: str = "12.57", misbehave: str = "pass") -> Path:
    """A stand-in that speaks pyexiftool's protocol for ``-ver`` and misbehaves otherwise."""
    script = tmp_path / name
    script.write_text(FAKE.format(python=sys.executable, version=version, misbehave=misbehave))
    script.chmod(0o755)
    return script


@pytest.mark.parametrize("misbehave", ["time.sleep(3600)", "sys.exit(9)"])
def test_hung_or_dying_exiftool_gives_e302_and_a_fresh_process(tmp_path: Path, misbehave: str) -> None:
    fake = fake_exiftool(tmp_path, "fake-exiftool", misbehave=misbehave)
    jpeg = camera_jpeg(tmp_path / "camera.jpg")
    with ExifTool(executable=str(fake), timeout=1.0) as tool:
        first = tool._process
        assert first is not None
        popen = first._process
        started = time.monotonic()
        found = tool.write(jpeg, {"XMP-dc:Description": "x"})
        assert time.monotonic() - started < 10
        assert codes(found) == ["E302"] and "stopped responding" in found[0].message
        assert tool.write(jpeg, {"XMP-dc:Description": "x"})[0].code == "E302"
        assert tool._process is not first
    assert popen.poll() is not None  # the misbehaving process is gone, not left running


def test_paths_that_look_like_options_are_just_paths(et: ExifTool, tmp_path: Path) -> None:
    folder = tmp_path / "-all= 后海 'q' $HOME"
    folder.mkdir()
    odd = camera_jpeg(folder / "-o x.jpg")
    assert et.write(odd, {"XMP-dc:Description": "odd path"}) == []
    assert et.read(odd)["XMP-dc:Description"] == et.read_many([odd])[0]["XMP-dc:Description"] == "odd path"
    assert sorted(p.name for p in folder.iterdir()) == ["-o x.jpg"]


def test_empty_values_write_nothing_and_keep_existing(et: ExifTool, jpeg: Path) -> None:
    assert et.write(jpeg, {"XMP-dc:Description": "kept", "XMP-dc:Subject": ["kept"]}) == []
    assert et.write(jpeg, {"XMP-dc:Description": "", "XMP-dc:Subject": [], "XMP-dc:Title": None}) == []
    read = et.read(jpeg)
    assert (read["XMP-dc:Description"], read["XMP-dc:Subject"]) == ("kept", ["kept"])
    assert "XMP-dc:Title" not in read


def latin1_iim_jpeg(path: Path, **values: str) -> Path:
    """A JPEG with IIM written as Latin-1 and no CodedCharacterSet (as old software did)."""
    camera_jpeg(path)
    args = [f"-IPTC:{tag}={value}" for tag, value in values.items()]
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-charset", "iptc=Latin", *args, str(path)], check=True)
    return path


def test_transcoding_latin1_iim_keeps_grown_values_whole(et: ExifTool, tmp_path: Path) -> None:
    # 31 ASCII bytes + é: 32 bytes in Latin-1 (fits), 33 in UTF-8. ExifTool would cut the é in half
    # (writing '.'); these are the image's own values, not ours to clip: they stay whole.
    grown = "x" * 31 + "é"
    jpeg = latin1_iim_jpeg(tmp_path / "latin.jpg", **{"By-lineTitle": grown, "Writer-Editor": grown, "City": "Zürich"})
    found = et.write(jpeg, {"IPTC:Headline": "new"})
    assert codes(found) == ["W307"]
    read = et.read(jpeg)
    assert read["IPTC:Writer-Editor"] == read["IPTC:By-lineTitle"] == [grown] and read["IPTC:City"] == "Zürich"
    assert b"\x00\x21" + grown.encode("utf-8") + b"\x1c" in jpeg.read_bytes()  # 33 bytes: no half character
    assert et.verify(jpeg, {"IPTC:Headline": "new"}, read) == []


def test_iptc_digest_is_current_in_tiff_with_odd_length_iim(et: ExifTool, tmp_path: Path) -> None:
    # A TIFF stores IIM padded to 4 bytes; ExifTool's IPTCDigest=new hashes it unpadded.
    tiff = conformance("exiv2_Reagan.tiff", tmp_path)
    for keyword in ("pol", "poli", "polic"):
        tags = {"IPTC:Keywords": [keyword], "XMP-dc:Subject": [keyword]}
        assert et.write(tiff, tags) == []
        read = et.read(tiff)
        assert read["Photoshop:IPTCDigest"] == read["File:CurrentIPTCDigest"], keyword
        assert "ExifTool:Warning" not in read
        assert et.verify(tiff, tags, read) == []


def test_other_languages_survive_and_copies_of_x_default_follow(et: ExifTool, jpeg: Path) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Title=Old", "-XMP-dc:Title-en-US=Old",
                    "-XMP-dc:Title-de=Alter Titel", "-XMP-dc:Rights-fr=Droits", "-XMP-dc:Rights=Rights",
                    "-XMP-iptcExt:Event=Old event", "-XMP-iptcExt:Event-de=Altes Ereignis", str(jpeg)], check=True)
    tags = {"XMP-dc:Title": "New", "XMP-dc:Rights": "New rights", "XMP-iptcExt:Event": "New event",
            "XMP-dc:Description": "New description"}
    assert et.write(jpeg, tags) == []
    read = et.read(jpeg)
    assert (read["XMP-dc:Title"], read["XMP-dc:Title-en-US"], read["XMP-dc:Title-de"]) == ("New", "New", "Alter Titel")
    assert (read["XMP-dc:Rights"], read["XMP-dc:Rights-fr"]) == ("New rights", "Droits")
    assert (read["XMP-iptcExt:Event"], read["XMP-iptcExt:Event-de"]) == ("New event", "Altes Ereignis")
    assert read["XMP-dc:Description"] == "New description"
    assert et.verify(jpeg, tags, read) == []


def test_delete_removes_named_tags_only(et: ExifTool, tmp_path: Path) -> None:
    image = conformance("IPTC-PhotometadataRef-Std2023.2.jpg", tmp_path)
    gone = ["XMP-iptcCore:Location", "IPTC:Sub-location"]
    tags = {"XMP-photoshop:City": "Beijing", "IPTC:City": "Beijing"}
    assert codes(et.write(image, tags, delete=gone)) == ["W307"]  # ASCII IIM without a marker
    read = et.read(image)
    assert not set(gone) & read.keys() and read["IPTC:City"] == "Beijing"
    assert read["IPTC:Province-State"] == "Province/State(Core)(ref2023.2)"
    assert read["Photoshop:IPTCDigest"] == read["File:CurrentIPTCDigest"]
    assert et.verify(image, tags, read, deleted=gone) == []
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-IPTC:Sub-location=back", str(image)], check=True)
    assert sorted(i.field for i in et.verify(image, tags, deleted=gone)) == ["IPTC:Sub-location",
                                                                             "Photoshop:IPTCDigest"]
    with pytest.raises(ValueError):
        et.write(image, {}, delete=["IPTC:City=\n-all"])

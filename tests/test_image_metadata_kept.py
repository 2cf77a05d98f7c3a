"""Nothing an image already says is lost (issue 12): every vendored conformance image is packaged
twice, with a caption that names a place (the image's location is replaced) and with one that
names none (the image's location is kept). ExifTool's view of the original and of the bag's copy
is compared tag by tag: a tag the crosswalk does not own is identical, and every owned tag that
changed is reported (W313/W314) and listed with its old value in records.json ("replaced")."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from packager import pipeline
from packager.embed.exiftool import ExifTool
from packager.metadata import crosswalk
from packager.metadata.csvfile import read_metadata_csv
from packager.metadata.tagvalues import LANG_ALT_TAGS

from .test_pipeline import CONFORMANCE, make_collection

# Not packaged: XMP sidecars are no images, and the packager takes no JPEG 2000 (ExifTool could write it,
# but a .jp2 is not among the image formats a collection may hold).
SKIPPED = {name.name: "XMP sidecar, not an image" for name in CONFORMANCE.glob("*.xmp")}
SKIPPED["exiftool_Jpeg2000.jp2"] = "JPEG 2000 is not an image format the packager takes"
IMAGES = tuple(sorted(p.name for p in CONFORMANCE.iterdir() if p.name not in SKIPPED and p.name != "README.md"))
PLACE = "A checkpoint in China."  # the gazetteer knows China: the record has a location of its own
PLAIN = "A photograph in the archive."  # no place: the image's own location is kept
CW = crosswalk.load()
OWNED = {h for m in CW.mappings for h in (m.xmp, m.iim, m.exif) if h}
# Tags that change for a reason inherent to writing a copy, never for the record's sake:
INHERENT = (
    "File:", "System:", "ExifTool:",  # the file as a file: size, dates, name, ExifTool's own view
    "Photoshop:IPTCDigest",  # refreshed, so that readers know the IIM and the XMP agree
    "IPTC:CodedCharacterSet", "IPTC:EnvelopeRecordVersion",  # the UTF-8 marker every IIM write adds
    "XMP-x:XMPToolkit",  # ExifTool names itself as the XMP's writer
    "XMP-xmpNote:HasExtendedXMP",  # ExifTool merges extended XMP back into the main packet when it fits
    "QuickTime:MediaDataSize",  # HEIC: the metadata items live in the media data
)


# Tags a metadata block must hold, added when the original lacked them: a new EXIF IFD0 requires
# resolution and YCbCr positioning, an IIM application record its version.
REQUIRED = {"IFD0": {"IFD0:XResolution", "IFD0:YResolution", "IFD0:ResolutionUnit", "IFD0:YCbCrPositioning"},
            "IPTC": {"IPTC:ApplicationRecordVersion"}}


def _inherent(tag: str, before: dict[str, Any]) -> bool:
    # Offsets of data blocks move when a metadata segment grows.
    if tag.startswith(INHERENT) or tag.endswith(("Offset", "Offsets", "Start")):
        return True
    group = tag.split(":", 1)[0]
    if group == "IPTC":  # IIM requires its record version (2:00) whenever the record is written
        return tag in REQUIRED[group] and tag not in before
    return tag in REQUIRED.get(group, set()) and not any(t.startswith(group + ":") for t in before)


def _owned(tag: str) -> bool:
    base = tag.rsplit("-", 1)[0] if tag.rsplit("-", 1)[0] in LANG_ALT_TAGS else tag
    return base in OWNED


def _blank(value: Any) -> bool:
    return value in ("", [], [""], {}, None)  # ExifTool drops empty lists ("Ignored empty rdf:Bag")


@pytest.fixture(scope="module")
def et() -> Any:
    with ExifTool() as tool:
        yield tool


def _package(base: Path, caption: str) -> tuple[pipeline.BagRun, dict[str, Any], dict[str, list[tuple[str, str]]]]:
    collection = make_collection(base, dict.fromkeys(IMAGES, caption))
    run = pipeline.build_bag(collection, base.parent / f"{base.name}-bags", workers=2)
    assert run.bag is not None, [(i.file, i.code, i.message) for it in run.items for i in it.issues
                                 if i.severity == "error"]
    assert run.validation is not None and [p.message for p in run.validation.problems] == []  # record == image
    records = json.loads((run.bag / "data/metadata/records.json").read_text(encoding="utf-8"))
    rows = read_metadata_csv((run.bag / "data/metadata/metadata.csv").read_bytes()).rows
    return run, {item["file"]: item for item in records["items"]}, {r.filename: r.pairs for r in rows}


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _package(tmp_path_factory.mktemp("kept") / "place", PLACE)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _package(tmp_path_factory.mktemp("kept") / "plain", PLAIN)


def test_the_images_are_the_vendored_ones() -> None:
    assert len(IMAGES) == 25 and "IPTC-PhotometadataRef-Std2023.2.jpg" in IMAGES
    assert sorted(SKIPPED) == ["exiftool_Jpeg2000.jp2", "exiftool_PLUS.xmp", "exiftool_XMP.xmp",
                               "exiv2_BlueSquare.xmp", "exiv2_StaffPhotographer-Example.xmp",
                               "mde_digikam-example.xmp"]


@pytest.mark.parametrize("which", ["placed", "plain"])
def test_every_tag_we_do_not_own_is_unchanged(which: str, request: pytest.FixtureRequest, et: ExifTool) -> None:
    run, _, _ = request.getfixturevalue(which)
    changed = {}
    for name in IMAGES:
        before, after = et.read(CONFORMANCE / name), et.read(run.bag / "data/objects" / name)
        for tag in before.keys() | after.keys():
            if _owned(tag) or _inherent(tag, before) or (_blank(before.get(tag)) and _blank(after.get(tag))):
                continue
            if before.get(tag) != after.get(tag):
                changed[f"{name} {tag}"] = (before.get(tag), after.get(tag))
    assert changed == {}, "\n".join(f"{k}: {v!r}"[:300] for k, v in sorted(changed.items()))


@pytest.mark.parametrize("which", ["placed", "plain"])
def test_every_owned_tag_that_changed_is_reported_with_its_old_value(which: str, request: pytest.FixtureRequest,
                                                                      et: ExifTool) -> None:
    run, records, _ = request.getfixturevalue(which)
    unreported, unkept = [], []
    count = 0
    for name in IMAGES:
        before, after = et.read(CONFORMANCE / name), et.read(run.bag / "data/objects" / name)
        item = records[name]
        replaced = {change["tag"]: change for change in item.get("replaced", [])}
        messages = [i["message"] for i in item["issues"] if i["code"] in ("W313", "W314")]
        assert all(_owned(tag) and change["old"] == before[tag] for tag, change in replaced.items()), name
        for tag in sorted(before):
            if not _owned(tag) or _blank(before[tag]) or before[tag] == after.get(tag):
                continue
            count += 1
            if not any(f" {tag} " in message for message in messages):
                unreported.append(f"{name} {tag}")
            if tag not in replaced or replaced[tag]["old"] != before[tag]:
                unkept.append(f"{name} {tag}")
    assert count > 20  # the test saw replacements (the captions replace titles and descriptions)
    assert unreported == [] and unkept == []


def test_the_replaced_location_is_reported_and_kept(placed: Any) -> None:
    run, records, _ = placed
    item = records["IPTC-PhotometadataRef-Std2023.2.jpg"]
    replaced = {change["tag"]: change for change in item["replaced"]}
    assert replaced["XMP-photoshop:City"] == {"tag": "XMP-photoshop:City", "old": "City (Core) (ref2023.2)",
                                              "new": None}
    assert replaced["IPTC:Country-PrimaryLocationName"]["old"] == "Country (Core) (ref2023.2)"
    assert replaced["IPTC:Country-PrimaryLocationName"]["new"] == "China"
    assert replaced["XMP-iptcCore:CountryCode"] == {"tag": "XMP-iptcCore:CountryCode", "old": "R23", "new": "CHN"}
    old_shown = replaced["XMP-iptcExt:LocationShown"]["old"]
    assert [s["City"] for s in old_shown] == ["City (Location shown1) (ref2023.2)", "City (Location shown2) (ref2023.2)"]
    assert old_shown[0]["GPSAltitudeRef"] == "0"  # ExifTool cannot write it back: kept here, and W315 says so
    w315 = [i["message"] for i in item["issues"] if i["code"] == "W315"]
    assert len(w315) == 2 and "LocationShown/GPSAltitudeRef '0'" in w315[0]
    w314 = [i["message"] for i in item["issues"] if i["code"] == "W314"]
    assert any("XMP-photoshop:Country 'Country (Core) (ref2023.2)' is replaced by 'China'" in m for m in w314)


def test_location_shown_entries_we_do_not_own_are_merged(placed: Any, et: ExifTool) -> None:
    run, records, rows = placed
    name = "IPTC-PhotometadataRef-Std2023.2.jpg"
    before = et.read(CONFORMANCE / name)["XMP-iptcExt:LocationShown"]
    after = et.read(run.bag / "data/objects" / name)["XMP-iptcExt:LocationShown"]
    assert after[0]["CountryName"] == "China" and after[0]["CountryCode"] == "CHN"
    unwritable = {"GPSAltitudeRef"}
    assert after[1:] == [{k: v for k, v in entry.items() if k not in unwritable} for entry in before]
    labels = [loc["city"] or loc["country"] for loc in records[name]["locations"]]
    assert labels == ["China", "City (Location shown1) (ref2023.2)", "City (Location shown2) (ref2023.2)"]
    coverage = [v for k, v in rows[f"data/objects/{name}"] if k == "dc.coverage"]
    assert coverage[0] == "China" and len(coverage) == 3 and "City (Location shown2) (ref2023.2)" in coverage[2]


def test_same_place_lends_what_the_record_lacks(tmp_path: Path, et: ExifTool) -> None:
    """An entry of the image for the record's own place gives it GPS, world region and identifiers."""
    source = tmp_path / "china.jpg"
    shutil.copyfile(CONFORMANCE / "exiv2_exiv2-empty.jpg", source)
    source.chmod(0o644)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-iptcExt:LocationShown={CountryName=China,"
                    "WorldRegion=Asia,GPSLatitude=39.9,GPSLongitude=116.4,LocationId=urn:example:cn}", str(source)],
                   check=True)
    collection = make_collection(tmp_path / "same", {})
    shutil.copyfile(source, collection / "images" / "china.jpg")
    (collection / "captions.csv").write_text(f"filename,caption\nchina.jpg,{PLACE}\n", encoding="utf-8")
    run = pipeline.build_bag(collection, tmp_path / "bags")
    assert run.ok
    (shown,) = et.read(run.bag / "data/objects/china.jpg")["XMP-iptcExt:LocationShown"]
    assert shown["CountryName"] == "China" and shown["WorldRegion"] == "Asia"
    assert shown["GPSLatitude"].startswith("39 deg 54'") and shown["LocationId"][-1] == "urn:example:cn"
    assert shown["LocationId"][0] == "http://sws.geonames.org/1814991/"  # the record's own identifiers first
    (item,) = run.items
    assert item.record.locations[0].identifiers[-1] == "urn:example:cn"
    assert [i.code for i in item.issues if i.code in ("I312", "W314")] == ["I312", "W314"]


def test_a_kept_location_enters_the_record_and_every_sidecar(plain: Any, et: ExifTool) -> None:
    run, records, rows = plain
    checked = []
    for name in IMAGES:
        after = et.read(run.bag / "data/objects" / name)
        parts = {m.field: str(after[m.xmp]) for m in CW.mappings if m.source == "location" and after.get(m.xmp)}
        shown = [s for s in after.get("XMP-iptcExt:LocationShown", []) if isinstance(s, dict)]
        if not parts and not shown:
            continue
        checked.append(name)
        locations = records[name]["locations"]
        assert locations, name
        provenance = records[name]["provenance"]
        assert {v for k, v in provenance.items() if k.startswith("locations[")} == {"image"}, (name, provenance)
        if parts:  # the core location is one of the record's locations
            assert any(all(loc[f] == v for f, v in parts.items()) for loc in locations), (name, parts, locations)
        for struct in shown:
            assert crosswalk.location_from_struct(struct).to_dict() in locations, (name, struct)
        labels = [crosswalk.location_from_struct({"City": loc["city"], "Sublocation": loc["sublocation"],
                                                  "ProvinceState": loc["province_state"],
                                                  "CountryName": loc["country"]}).label() for loc in locations]
        dc_record = [v for k, v in (tuple(p) for p in (records[name]["dublin_core"] and
                                                        [(d["element"], d["value"]) for d in records[name]["dublin_core"]]))
                     if k == "dc.coverage"]
        csv_row = [v for k, v in rows[f"data/objects/{name}"] if k == "dc.coverage"]
        assert dc_record == csv_row == [label for label in labels if label], name
        dc_xml = (run.bag / "data/metadata/dc" / f"{records[name]['identifier']}.xml").read_text(encoding="utf-8")
        assert all(label in dc_xml.replace("&amp;", "&") for label in labels), name
    assert len(checked) >= 8, checked


def _segments(data: bytes, marker: int) -> list[bytes]:
    """The JPEG segments with ``marker`` (0xED: APP13) before the image data, each whole."""
    found, at = [], 2
    while at + 4 <= len(data) and data[at] == 0xFF and data[at + 1] != 0xDA:
        length = int.from_bytes(data[at + 2:at + 4], "big")
        if data[at + 1] == marker:
            found.append(data[at:at + 2 + length])
        at += 2 + length
    return found


@pytest.mark.parametrize(("name", "dataset"), [("exiv2_smiley1.jpg", b"\x1c\x02\x0f\x00\x06Things"),
                                               ("exiftool_PhotoMechanic.jpg", b"\x1c\x02\x0f\x00\x08Category")])
def test_an_over_long_dataset_we_do_not_own_stays_whole(name: str, dataset: bytes, plain: Any, et: ExifTool) -> None:
    """IIM Category may hold 3 bytes; the image's own longer value is not ours to cut."""
    run, records, _ = plain
    copy = run.bag / "data/objects" / name
    assert et.read(copy)["IPTC:Category"] == et.read(CONFORMANCE / name)["IPTC:Category"]
    assert dataset in copy.read_bytes()
    assert not [i for i in records[name]["issues"] if i["code"] == "W301" and "Category" in i["message"]]


def _exiv2(path: Path) -> str:
    """What exiv2 reads of the IIM (the Nikon caption is Latin-1: compared as bytes, shown as Latin-1)."""
    done = subprocess.run(["exiv2", "-pi", str(path)], capture_output=True, check=False)
    return done.stdout.decode("latin-1")


@pytest.mark.parametrize("which", ["placed", "plain"])
def test_iim_in_two_places_is_left_alone_and_said_so(which: str, request: pytest.FixtureRequest, et: ExifTool) -> None:
    run, records, _ = request.getfixturevalue(which)
    reasons = {"exiv2_iptc-psAPP13-wIPTC1-psAPP13-wIPTC2.jpg": "split over 2 IIM blocks",
               "exiftool_FotoStation.jpg": "FotoStation trailer", "mde_Nikon-E995-iptc.jpg": "FotoStation trailer"}
    for name, reason in reasons.items():
        original, copy = CONFORMANCE / name, run.bag / "data/objects" / name
        (w316,) = [i["message"] for i in records[name]["issues"] if i["code"] == "W316"]
        assert reason in w316 and "XMP and EXIF only" in w316, w316
        assert _segments(copy.read_bytes(), 0xED) == _segments(original.read_bytes(), 0xED), name  # APP13 as it was
        assert _exiv2(copy) == _exiv2(original), name  # each value once, as before
        before, after = et.read(original), et.read(copy)
        iim = {k: v for k, v in before.items() if k.startswith(("IPTC:", "IPTC2:"))}
        assert {k: v for k, v in after.items() if k.startswith(("IPTC:", "IPTC2:"))} == iim, name  # nothing promoted
        assert not any(k.startswith("IPTC") for k in records[name]["tags"]), name
        digest = after.get("Photoshop:IPTCDigest")
        assert digest == before.get("Photoshop:IPTCDigest")  # no fresh digest claims the IIM agrees with the XMP
        assert digest is None or digest != after.get("File:CurrentIPTCDigest")
    data = (run.bag / "data/objects/exiftool_FotoStation.jpg").read_bytes()
    assert data.endswith((CONFORMANCE / "exiftool_FotoStation.jpg").read_bytes()[-1000:])  # the trailer, whole
    assert _exiv2(run.bag / "data/objects/exiv2_iptc-psAPP13-wIPTC1-psAPP13-wIPTC2.jpg").count("Credit") == 1

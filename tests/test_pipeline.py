"""pipeline.build_bag over real third-party images: each packages and validates, or fails
with a clear per-item issue; metadata the images already hold survives and stays in sync."""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bagit
import pytest

from packager import pipeline
from packager.bag.writer import BagWriter
from packager.embed import batch as embedding
from packager.embed.exiftool import ExifTool
from packager.metadata.csvfile import read_metadata_csv

from .conftest import CONFORMANCE as CONFORMANCE_ROOT
from .conftest import tree_digest, write_csv_collection

CONFORMANCE = CONFORMANCE_ROOT / "images"
IMAGES = ("IPTC-PhotometadataRef-Std2023.2.jpg", "exiftool_MWG.jpg", "exiv2_smiley1.jpg", "exiv2_smiley2.jpg",
          "exiftool_XMP.jpg", "exiv2_Reagan.tiff", "exiftool_PNG.png", "exiftool_RIFF.webp",
          "exiv2_Stonehenge.heic", "exiftool_ExtendedXMP.jpg", "exiftool_ExifTool.jpg", "exiv2_avif_exif_xmp.avif",
          "exiv2_exiv2-bug1199.webp", "exiv2_iptc-psAPP13-wIPTC1-psAPP13-wIPTC2.jpg", "exiftool_FotoStation.jpg")
PLAIN = "A photograph in the archive."  # no place, no keyword, nothing the analysis could fill
# Tags the packager writes (and ExifTool's bookkeeping); everything else must survive embedding.
OWNED = ("XMP-dc:Identifier", "XMP-dc:Title", "XMP-dc:Description", "XMP-dc:Subject", "XMP-dc:Creator",
         "XMP-dc:Rights", "XMP-dc:Publisher", "XMP-dc:Language", "XMP-photoshop:Headline", "XMP-photoshop:City",
         "XMP-photoshop:State", "XMP-photoshop:Country", "XMP-photoshop:Credit", "XMP-photoshop:Source",
         "XMP-iptcCore:Location", "XMP-iptcCore:CountryCode", "XMP-iptcExt:LocationShown",
         "XMP-iptcExt:OrganisationInImageName", "XMP-iptcExt:PersonInImage", "XMP-iptcExt:Event",
         "XMP-iptcExt:DigitalSourceType", "XMP-x:XMPToolkit", "IFD0:ImageDescription", "IFD0:Artist",
         "IFD0:Copyright", "File:", "System:", "ExifTool:", "Composite:",
         "QuickTime:MediaDataSize",  # (HEIC: the metadata items live in the media data)
         "XMP-xmpNote:HasExtendedXMP")  # (ExifTool merges extended XMP back when it fits)
OWNED_IIM = ("ObjectName", "Headline", "Caption-Abstract", "Keywords", "By-line", "CopyrightNotice", "Credit",
             "Source", "Sub-location", "City", "Province-State", "Country-PrimaryLocationName",
             "Country-PrimaryLocationCode", "CodedCharacterSet", "EnvelopeRecordVersion")
OWNED += tuple(f"{group}:{name}" for group in ("IPTC", "IPTC2") for name in OWNED_IIM) + ("Photoshop:IPTCDigest",)


def make_collection(root: Path, captions: dict[str, str]) -> Path:
    """A tiny CSV collection of copies of conformance images."""
    (root / "images").mkdir(parents=True)
    for name in captions:
        shutil.copyfile(CONFORMANCE / name, root / "images" / name)
    return write_csv_collection(root, captions, root.name, "Conformance images")


def issues_of(run: pipeline.BagRun, name: str) -> tuple[Any, ...]:
    (item,) = [i for i in run.items if i.file == name]
    return item.issues


def codes(run: pipeline.BagRun, name: str) -> list[str]:
    return [issue.code for issue in issues_of(run, name)]


@pytest.fixture(scope="module")
def et() -> Iterator[ExifTool]:
    with ExifTool() as tool:
        yield tool


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pipeline.BagRun, dict[str, tuple[bytes, int]]]:
    base = tmp_path_factory.mktemp("pipeline")
    collection = make_collection(base / "conformance", {name: PLAIN for name in IMAGES})
    before = tree_digest(collection)
    run = pipeline.build_bag(collection, base / "bags", workers=3)
    return collection, run, before


def test_every_image_packages_and_the_bag_validates(packaged: Any) -> None:
    collection, run, before = packaged
    assert run.bag is not None and run.validation is not None
    assert [(p.code, p.message) for p in run.validation.problems] == []
    assert not [(i.file, i.code, i.message) for item in run.items for i in item.issues if i.severity == "error"]
    assert [i.file for i in run.items] == list(IMAGES)  # collection order, whatever finished first
    bagit.Bag(str(run.bag)).validate()
    assert tree_digest(collection) == before  # originals untouched
    for name in ("exiftool_PNG.png", "exiftool_RIFF.webp", "exiv2_Stonehenge.heic"):
        assert "W305" in codes(run, name)  # the report says these carry XMP + EXIF only


def test_unrelated_metadata_survives(packaged: Any, et: ExifTool) -> None:
    _collection, run, _ = packaged
    for name in IMAGES:
        before = et.read(CONFORMANCE / name)
        after = et.read(run.bag / "data" / "objects" / name)
        kept = {k for k in before if not k.startswith(OWNED) and not k.endswith(("Offset", "Offsets", "Start"))
                and before[k] not in ("", [], [""])}  # ExifTool drops empty lists ("Ignored empty rdf:Bag")
        if name == "exiftool_FotoStation.jpg":  # IIM in a trailer is left alone (even 'Afternoon' as ObjectCycle)
            assert "W316" in codes(run, name)
        assert {k: after.get(k) for k in kept} == {k: before[k] for k in kept}, name
    assert len([k for k in et.read(CONFORMANCE / "exiv2_smiley2.jpg") if k.startswith("Canon:")]) > 50


def test_own_metadata_is_kept_in_every_copy_and_the_sidecars(packaged: Any, et: ExifTool) -> None:
    _collection, run, _ = packaged
    rows = {r.filename: r.pairs for r in read_metadata_csv((run.bag / "data" / "metadata" / "metadata.csv").read_bytes()).rows}
    ref = "data/objects/IPTC-PhotometadataRef-Std2023.2.jpg"
    tags = et.read(run.bag / ref)
    assert tags["XMP-dc:Creator"] == tags["IPTC:By-line"] == ["Creator1 (ref2023.2)"]
    assert tags["IFD0:Artist"] == "Creator1 (ref2023.2)"
    assert ("dc.creator", "Creator1 (ref2023.2)") in rows[ref]
    assert ("dc.subject", "Person Shown 1 (ref2023.2)") in rows[ref]
    assert len(tags["XMP-iptcExt:LocationShown"]) == 2 and "GPSLatitude" in tags["XMP-iptcExt:LocationShown"][0]
    assert tags["XMP-photoshop:City"] == tags["IPTC:City"] == "City (Core) (ref2023.2)"
    assert tags["Photoshop:IPTCDigest"] == tags["File:CurrentIPTCDigest"]
    smiley = et.read(run.bag / "data/objects/exiv2_smiley1.jpg")  # IIM only, Latin-1
    assert smiley["XMP-dc:Subject"] == smiley["IPTC:Keywords"] == ["Green", "Smiley", "Dude"]
    assert smiley["XMP-dc:Rights"] == smiley["IPTC:CopyrightNotice"] == smiley["IFD0:Copyright"] == "© 2004 Nobody"


def test_mwg_reader_sees_only_the_right_values(packaged: Any) -> None:
    """exiftool_MWG.jpg labels every value RIGHT or WRONG by the MWG rules; a fresh IPTCDigest
    must not make the WRONG ones win."""
    _collection, run, _ = packaged
    done = subprocess.run(["exiftool", "-use", "MWG", "-s3", "-MWG:Keywords", "-MWG:Creator", "-MWG:Copyright",
                           "-MWG:City", "-MWG:Location", "-MWG:State", "-MWG:Country",
                           str(run.bag / "data/objects/exiftool_MWG.jpg")], capture_output=True, text=True,
                          check=True)
    assert "WRONG" not in done.stdout and done.stdout.count("RIGHT") == 9
    assert codes(run, "exiftool_MWG.jpg").count("W313") == 5  # each WRONG copy replaced, and said so


def test_location_from_the_caption_replaces_the_image_core_location_and_keeps_its_other_places(tmp_path: Path, et: ExifTool) -> None:
    name = "IPTC-PhotometadataRef-Std2023.2.jpg"
    collection = make_collection(tmp_path / "place", {name: "A checkpoint in China."})
    run = pipeline.build_bag(collection, tmp_path / "bags")
    assert run.ok, [p.message for p in run.validation.problems] if run.validation else run.items[0].issues
    tags = et.read(run.bag / "data" / "objects" / name)
    assert tags["XMP-photoshop:Country"] == tags["IPTC:Country-PrimaryLocationName"] == "China"
    assert tags["XMP-iptcCore:CountryCode"] == tags["IPTC:Country-PrimaryLocationCode"] == "CHN"
    stale = ("XMP-iptcCore:Location", "IPTC:Sub-location", "XMP-photoshop:City", "IPTC:City",
             "XMP-photoshop:State", "IPTC:Province-State")
    assert not set(stale) & tags.keys()
    assert codes(run, name).count("W313") == len(stale)
    shown = tags["XMP-iptcExt:LocationShown"]
    assert shown[0] == {"CountryName": "China", "CountryCode": "CHN",
                        "LocationId": ["http://sws.geonames.org/1814991/", "urn:iso:std:iso:3166:-1:CN"]}
    # the image's own entries (other places) are kept after ours; ExifTool cannot write GPSAltitudeRef (W315)
    original = et.read(CONFORMANCE / name)["XMP-iptcExt:LocationShown"]
    assert shown[1:] == [{k: v for k, v in entry.items() if k != "GPSAltitudeRef"} for entry in original]
    assert codes(run, name).count("W315") == 2


def test_a_bad_item_is_reported_and_the_others_still_embedded(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    collection = make_collection(tmp_path / "bad", {"exiv2_smiley1.jpg": PLAIN, "exiftool_XMP.jpg": PLAIN,
                                                    "exiv2_exiv2-empty.jpg": PLAIN})
    (collection / "images" / "exiftool_XMP.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated jpeg")
    real = embedding.copy_with_digests

    def unreadable(src: Path, dst: Path, algorithms: Any, **kwargs: Any) -> dict[str, str]:
        if src.name == "exiv2_smiley1.jpg":
            raise PermissionError(13, "Permission denied", str(src))
        return real(src, dst, algorithms, **kwargs)

    monkeypatch.setattr(embedding, "copy_with_digests", unreadable)
    run = pipeline.build_bag(collection, tmp_path / "bags", workers=2)
    assert run.bag is None and not (tmp_path / "bags").exists()  # no bag, no .partial, no folder made for them
    by_file = {i.file: i for i in run.items}
    assert [i.code for i in by_file["exiv2_smiley1.jpg"].issues if i.severity == "error"] == ["E306"]
    assert "Permission denied" in by_file["exiv2_smiley1.jpg"].issues[-1].message
    assert [i.code for i in by_file["exiftool_XMP.jpg"].issues if i.severity == "error"] == ["E306"]
    assert not by_file["exiv2_exiv2-empty.jpg"].failed and by_file["exiv2_exiv2-empty.jpg"].pixel_digest


def test_workers_share_nothing_and_results_do_not_depend_on_them(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Each ExifTool serves one thread at a time; the bag writer is used only by the main
    thread; one worker or three make the same bag."""
    busy: set[int] = set()
    clashes: list[str] = []
    guard = threading.Lock()
    call = ExifTool._call

    def exclusive(self: ExifTool, *args: Any) -> Any:
        with guard:
            if id(self) in busy:
                clashes.append(threading.current_thread().name)
            busy.add(id(self))
        try:
            return call(self, *args)
        finally:
            with guard:
                busy.discard(id(self))

    def main_only(method: Any) -> Any:
        def wrapped(self: BagWriter, *args: Any, **kwargs: Any) -> Any:
            if threading.current_thread() is not threading.main_thread():
                clashes.append(f"BagWriter.{method.__name__} in {threading.current_thread().name}")
            return method(self, *args, **kwargs)
        return wrapped

    monkeypatch.setattr(ExifTool, "_call", exclusive)
    for name in ("path_for", "record", "add_hashed", "add_bytes", "finish"):
        monkeypatch.setattr(BagWriter, name, main_only(getattr(BagWriter, name)))
    names = ("exiv2_smiley1.jpg", "exiftool_XMP.jpg", "exiv2_Reagan.tiff", "exiftool_PNG.png", "exiv2_smiley2.jpg")
    collection = make_collection(tmp_path / "same", {name: PLAIN for name in names})
    manifests = []
    for workers in (1, 3):
        run = pipeline.build_bag(collection, tmp_path / f"bags{workers}", workers=workers)
        assert run.ok
        manifests.append((run.bag / "manifest-sha256.txt").read_text(encoding="utf-8"))
    assert clashes == []
    assert manifests[0] == manifests[1]


def test_png_that_already_holds_iim_keeps_it_in_step(tmp_path: Path, et: ExifTool) -> None:
    """A PNG gets no IIM from us, but one that has (non-standard) IIM must not keep a stale copy."""
    collection = make_collection(tmp_path / "png", {"exiftool_PNG.png": "Police patrol near Houhai Lake in Beijing."})
    image = collection / "images" / "exiftool_PNG.png"
    subprocess.run(["exiftool", "-q", "-q", "-overwrite_original", "-IPTC:Caption-Abstract=old caption",
                    "-IPTC:City=Paris", "-IPTC:Keywords=old", str(image)], check=True)
    run = pipeline.build_bag(collection, tmp_path / "bags")
    assert run.ok, [p.message for p in run.validation.problems] if run.validation else run.items[0].issues
    tags = et.read(run.bag / "data" / "objects" / "exiftool_PNG.png")
    assert tags["IPTC:Caption-Abstract"] == tags["XMP-dc:Description"] == "Police patrol near Houhai Lake in Beijing."
    assert tags["IPTC:City"] == tags["XMP-photoshop:City"] == "Beijing" and tags["IPTC:Keywords"] == ["police"]
    assert "W305" not in codes(run, "exiftool_PNG.png")

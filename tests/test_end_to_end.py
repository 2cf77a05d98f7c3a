"""End to end through the command line: the sample collection becomes a valid bag.

The sample is packaged once per session (conftest.packaged_sample); each test
checks one promise against the files written, with real ExifTool and exiv2.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import bagit
from lxml import etree

from packager.collection import config
from packager.collection.captions import read_captions

from .conftest import COLLECTION, PackagedSample, run_cli, tree_digest

IDENTIFIER = config.load(COLLECTION).info.identifier


def exiftool_json(*args: str | Path) -> list[dict]:
    out = subprocess.run(["exiftool", "-j", "-G1", *map(str, args)], capture_output=True, check=True).stdout
    return json.loads(out)


def test_bag_command_succeeds_and_leaves_exactly_one_bag(packaged_sample: PackagedSample) -> None:
    result = packaged_sample.result
    assert result.code == 0, result.stderr
    doc = result.json()
    assert doc["ok"] is True and doc["validation"]["valid"] is True
    assert [p.name for p in packaged_sample.out.iterdir()] == [IDENTIFIER]
    assert doc["summary"]["items"] == 25
    assert doc["software"]["exiftool"] and doc["software"]["crosswalk"] == "1.1.0"
    # stderr is a pipe here, not a terminal: no progress at all (bars are drawn only on a terminal)
    assert [mark for mark in ("\r", "%|", "25/25", "items/s", "B/s") if mark in result.stderr] == []


def test_originals_are_untouched(packaged_sample: PackagedSample) -> None:
    assert tree_digest(packaged_sample.collection) == packaged_sample.before


def test_reference_validator_accepts_the_bag(sample_bag: Path) -> None:
    bag = bagit.Bag(str(sample_bag))
    bag.validate()  # raises BagValidationError on any problem
    assert bag.version == "1.0"
    assert sorted(bag.algorithms) == ["sha256", "sha512"]


def test_bag_info_keeps_collection_fields_in_order_and_adds_computed_ones(sample_bag: Path) -> None:
    lines = (sample_bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    labels = [line.split(":", 1)[0] for line in lines if line and not line[0].isspace()]
    cfg = config.load(COLLECTION)
    wanted = [label for label, _ in cfg.bag_info]
    assert labels[: len(wanted)] == wanted
    for label in ("Bagging-Date", "Payload-Oxum", "Bag-Size", "Bag-Software-Agent", "External-Identifier"):
        assert label in labels
    agent = next(line for line in lines if line.startswith("Bag-Software-Agent"))
    assert "packager" in agent and "ExifTool 12" in agent
    assert (sample_bag / "bagit.txt").read_bytes() == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def test_embedded_description_equals_caption_and_iim_is_utf8(sample_bag: Path) -> None:
    entries, _ = read_captions(COLLECTION / "captions.txt")
    captions = [e.text for e in entries]
    assert len(captions) == 25
    tags = exiftool_json("-charset", "iptc=UTF8", *sorted((sample_bag / "data" / "objects").iterdir()))
    assert len(tags) == 25
    for n, t in enumerate(tags, start=1):
        assert t["SourceFile"].endswith(f"Surv - {n:03d}.jpg")
        assert t["XMP-dc:Description"] == captions[n - 1]
        assert t["IPTC:CodedCharacterSet"] == "UTF8"
        assert t["IPTC:Caption-Abstract"] == captions[n - 1]  # all captions fit 2000 bytes
        assert t["IFD0:ImageDescription"] == captions[n - 1]
        assert t["IFD0:Make"] and t["IFD0:Model"] and t["ExifIFD:DateTimeOriginal"]  # camera EXIF survived
        assert len(t["IPTC:ObjectName"].encode("utf-8")) <= 64


def test_exiv2_reads_the_same_description(sample_bag: Path) -> None:
    image = sample_bag / "data" / "objects" / "Surv - 002.jpg"
    caption = exiftool_json("-XMP-dc:Description", image)[0]["XMP-dc:Description"]
    out = subprocess.run(["exiv2", "-q", "-K", "Xmp.dc.description", "-K", "Iptc.Application2.Caption",
                          "-Pv", str(image)], capture_output=True, check=True).stdout.decode("utf-8")
    values = [line.removeprefix('lang="x-default" ') for line in out.splitlines()]
    assert values == [caption, caption]


def test_sidecars_are_well_formed_and_agree(sample_bag: Path) -> None:
    meta = sample_bag / "data" / "metadata"
    rows = list(csv.reader(io.StringIO((meta / "metadata.csv").read_text(encoding="utf-8"))))
    assert rows[0][0] == "filename" and len(rows) == 27  # the header, 25 items, the collection's row
    assert rows[-1][0] == "data/objects"
    assert rows[1][0] == "data/objects/Surv - 001.jpg"
    assert all(h == "filename" or h.startswith(("dc.", "dcterms.")) for h in rows[0])
    records = sorted((meta / "dc").glob("*.xml"))
    assert len(records) == 26  # 25 items + the collection
    schema_errors = []
    for record in records:
        etree.parse(str(record))  # well-formed
        from packager.metadata.dc import validate_dc_record
        schema_errors += validate_dc_record(record.read_bytes())
    assert schema_errors == []
    originals = (meta / "originals.txt").read_text(encoding="utf-8")
    assert originals.count("  images/Surv - ") == 50  # sha256 and sha512 of each original
    doc = json.loads((meta / "records.json").read_text(encoding="utf-8"))
    assert len(doc["items"]) == 25


def test_packager_validate_accepts_the_bag(sample_bag: Path) -> None:
    result = run_cli("validate", sample_bag, "--json")
    assert result.code == 0, result.stdout
    doc = result.json()
    assert doc["valid"] is True and doc["metadata_checked"] is True
    assert doc["payload_files"] == 25 + 26 + 5  # images, DC records, metadata.csv, originals, records, METS, PREMIS
    assert doc["errors"] == 0

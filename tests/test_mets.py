"""mets.xml and premis.xml: valid against the shipped schemas, read by metsrw, checked on receipt.

The packaged sample (real ExifTool, real bag writer) is read with metsrw, the
METS library Archivematica uses, and every value it gives is compared with
what the bag says elsewhere: the manifests, originals.txt, records.json,
metadata.csv and bag-info.txt. Then private copies are tampered with, one way
each, and the validator's metadata layer must name the problem.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import metsrw
import pytest
from lxml import etree

from packager.metadata import layout, premis
from packager.model import Issue
from packager.validate import metacheck
from packager.validate.folder import DirSource
from packager.validate.mets import METS_XSD, PREMIS_XSD, schema

M = "{http://www.loc.gov/METS/}"
P = "{http://www.loc.gov/premis/v3}"
IMAGE = "data/objects/Surv - 007.jpg"
NS = {"mets": "http://www.loc.gov/METS/", "premis": "http://www.loc.gov/premis/v3",
      "xlink": "http://www.w3.org/1999/xlink"}


def meta(bag: Path) -> list[Issue]:
    """The metadata layer's findings (sidecars only: no image is read)."""
    return metacheck.check(DirSource(bag), None)


def found(bag: Path, prefix: str = "") -> list[tuple[str, str]]:
    return [(i.code, i.message) for i in meta(bag) if i.code.startswith(prefix)]


def manifest(bag: Path, alg: str) -> dict[str, str]:
    lines = (bag / f"manifest-{alg}.txt").read_text(encoding="utf-8").splitlines()
    return {path: digest for digest, path in (line.split("  ", 1) for line in lines)}


def originals(bag: Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for line in (bag / layout.ORIGINALS_PATH).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            alg, digest, path = line.split(" ", 2)
            out.setdefault(path.lstrip(" "), {})[alg] = digest
    return out


def bag_info(bag: Path) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
                if ": " in line)


def images(bag: Path) -> list[str]:
    return sorted(p.relative_to(bag).as_posix() for p in (bag / layout.OBJECTS_DIR).rglob("*") if p.is_file())


def test_mets_and_premis_are_valid_against_the_shipped_schemas(sample_bag: Path) -> None:
    mets_doc = etree.parse(str(sample_bag / layout.METS_PATH))
    assert schema(METS_XSD).validate(mets_doc), schema(METS_XSD).error_log
    premis_doc = etree.parse(str(sample_bag / layout.PREMIS_PATH))
    assert schema(PREMIS_XSD).validate(premis_doc), schema(PREMIS_XSD).error_log
    # the METS driver validates the PREMIS inside each amdSec too: an element PREMIS 3 does not know is refused
    bad = etree.parse(str(sample_bag / layout.METS_PATH))
    size = bad.find(".//premis:size", NS)
    assert size is not None
    size.addnext(etree.Element(P + "notAPremisElement"))
    assert not schema(METS_XSD).validate(bad)
    hrefs = sorted(e.get("{http://www.w3.org/1999/xlink}href") for e in mets_doc.iterfind(".//mets:FLocat", NS))
    assert hrefs == [p.replace(" ", "%20") for p in images(sample_bag)] and len(hrefs) == 25  # URI references


def test_metsrw_reads_every_file_with_its_dmdsec_amdsec_and_premis(sample_bag: Path) -> None:
    doc = metsrw.METSDocument.fromfile(str(sample_bag / layout.METS_PATH))
    sha256, sha512 = manifest(sample_bag, "sha256"), manifest(sample_bag, "sha512")
    kept = originals(sample_bag)
    records = json.loads((sample_bag / layout.RECORDS_PATH).read_text(encoding="utf-8"))
    by_payload = {r["payload"]: r for r in records["items"]}
    with open(sample_bag / layout.CSV_PATH, encoding="utf-8", newline="") as fh:
        rows = {row["filename"]: row for row in csv.DictReader(fh)}
    date = bag_info(sample_bag)["Bagging-Date"]
    versions = records["software"]
    assert doc.objid == "surveillance-china-photo-essay"
    for path in images(sample_bag):
        entry = doc.get_file(path=path)
        assert entry is not None and entry.type == "Item" and entry.label == path.rsplit("/", 1)[1]
        assert (entry.checksumtype, entry.checksum) == ("SHA-256", sha256[path])
        (dmd,) = entry.dmdsecs
        assert dmd.contents.mdtype == "DC"
        dublincore = dmd.contents.document
        assert dublincore.tag == "{http://purl.org/dc/terms/}dublincore"
        identifier = dublincore.findtext("{http://purl.org/dc/elements/1.1/}identifier")
        assert identifier == rows[path]["dc.identifier"] == by_payload[path]["identifier"]
        assert dublincore.findtext("{http://purl.org/dc/elements/1.1/}title") == rows[path]["dc.title"]
        assert len(entry.amdsecs) == 1
        copy, original = entry.get_premis_objects()
        assert {f.message_digest_algorithm: f.message_digest for f in copy.findall("object_characteristics/fixity")} == \
            {"sha256": sha256[path], "sha512": sha512[path]}
        assert int(copy.size) == (sample_bag / path).stat().st_size
        assert (copy.format_name, copy.format_registry_key) == ("JPEG File Interchange Format", "fmt/43")
        source = original.identifier_value
        original_fixity = {f.message_digest_algorithm: f.message_digest for f in original.findall("object_characteristics/fixity")}
        assert original_fixity in kept.values()
        assert source == premis.uuid_for("surveillance-china-photo-essay", identifier, "original")
        events = {e.event_type: e for e in entry.get_premis_events()}
        assert sorted(events) == sorted(premis.EVENTS)
        assert {e.event_date_time for e in events.values()} == {date}
        assert {e.event_outcome for e in events.values()} == {"pass"}
        written = events[premis.EMBED_EVENT].event_detail
        assert f'version="{versions["exiftool"]}"' in written and "XMP-dc:Title" in written
        assert by_payload[path]["pixel_sha256"] in events[premis.VALIDATION_EVENT].event_outcome_detail_note
        agents = {a.name: a for a in entry.get_premis_agents()}
        assert {name: a.type for name, a in agents.items()} == {"packager": "software", "ExifTool": "software"}
        assert agents["ExifTool"].identifier_value == f"ExifTool-{versions['exiftool']}"
        assert agents["packager"].identifier_value == f"packager-{versions['packager']}"
    (collection,) = [e for e in doc.all_files() if e.type == "Directory"]
    assert collection.label == "surveillance-china-photo-essay" and len(collection.children) == 25
    (dmd,) = collection.dmdsecs
    assert dmd.contents.document.findtext("{http://purl.org/dc/elements/1.1/}type") == "Collection"
    assert dmd.contents.document.findtext("{http://purl.org/dc/elements/1.1/}title") == rows["data/objects"]["dc.title"]


def test_original_fixity_in_mets_equals_originals_txt(sample_bag: Path) -> None:
    tree = etree.parse(str(sample_bag / layout.METS_PATH))
    kept = originals(sample_bag)
    seen = 0
    for obj in tree.iterfind(".//premis:object", NS):
        kinds = {i.findtext("premis:objectIdentifierType", namespaces=NS): i.findtext("premis:objectIdentifierValue",
                                                                                        namespaces=NS)
                 for i in obj.iterfind("premis:objectIdentifier", NS)}
        if premis.COLLECTION_PATH in kinds:
            fixity = {f.findtext("premis:messageDigestAlgorithm", namespaces=NS):
                      f.findtext("premis:messageDigest", namespaces=NS) for f in obj.iterfind(".//premis:fixity", NS)}
            assert fixity == kept[kinds[premis.COLLECTION_PATH]]
            seen += 1
    assert seen == 25


def test_a_clean_bag_has_no_mets_findings(sample_bag: Path) -> None:
    assert found(sample_bag, "E62") == [] and found(sample_bag, "W62") == [] and found(sample_bag, "I62") == []


def _edit_mets(bag: Path, change: object) -> None:
    path = bag / layout.METS_PATH
    tree = etree.parse(str(path))
    change(tree)  # type: ignore[operator]
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def test_changed_fixity_of_the_copy_is_caught(sample_bag: Path) -> None:
    def change(tree: etree._ElementTree) -> None:
        digest = tree.find(".//premis:object/premis:objectCharacteristics/premis:fixity/premis:messageDigest", NS)
        assert digest is not None
        digest.text = "0" * 64
    _edit_mets(sample_bag, change)
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E622" and "data/objects/Surv - 001.jpg" in finding[1] and "0" * 64 in finding[1]


def test_changed_fixity_of_the_original_is_caught(sample_bag: Path) -> None:
    def change(tree: etree._ElementTree) -> None:
        techmd = tree.find(".//mets:techMD[@ID='techMD_2_original']", NS)
        assert techmd is not None
        digest = techmd.find(".//premis:messageDigest", NS)
        assert digest is not None
        digest.text = "f" * 64
    _edit_mets(sample_bag, change)
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E623" and "images/Surv - 002.jpg" in finding[1] and "f" * 64 in finding[1]


def test_a_file_missing_from_the_filesec_is_caught(sample_bag: Path) -> None:
    def change(tree: etree._ElementTree) -> None:
        locat = tree.find(f".//mets:FLocat[@xlink:href='{IMAGE.replace(' ', '%20')}']", NS)
        assert locat is not None
        entry = locat.getparent()
        for fptr in tree.iterfind(f".//mets:fptr[@FILEID='{entry.get('ID')}']", NS):
            div = fptr.getparent()
            div.getparent().remove(div)
        entry.getparent().remove(entry)
    _edit_mets(sample_bag, change)
    assert found(sample_bag, "E62") == [("E621", f"{layout.METS_PATH}: payload file {IMAGE} is not in the fileSec, "
                                                 "so the METS document does not describe it; package the collection "
                                                 "again")]


def test_a_file_without_its_dmdsec_is_caught(sample_bag: Path) -> None:
    def change(tree: etree._ElementTree) -> None:
        div = tree.find(".//mets:div[@TYPE='Item'][@LABEL='Surv - 007.jpg']", NS)
        assert div is not None
        del div.attrib["DMDID"]
    _edit_mets(sample_bag, change)
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E621" and IMAGE in finding[1] and "dmdSec" in finding[1]


def test_schema_invalid_mets_is_caught(sample_bag: Path) -> None:
    def change(tree: etree._ElementTree) -> None:
        tree.getroot().find("mets:fileSec", NS).set("NOT_A_METS_ATTRIBUTE", "x")  # type: ignore[union-attr]
    _edit_mets(sample_bag, change)
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E621" and "not valid against packager/schemas/mets/mets.xsd" in finding[1]
    assert "NOT_A_METS_ATTRIBUTE" in finding[1]


def test_not_well_formed_mets_is_caught(sample_bag: Path) -> None:
    path = sample_bag / layout.METS_PATH
    path.write_bytes(path.read_bytes()[:-40])
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E621" and "not valid" in finding[1]


def test_premis_xml_fixity_and_presence_are_checked(sample_bag: Path) -> None:
    path = sample_bag / layout.PREMIS_PATH
    text = path.read_text(encoding="utf-8")
    digest = manifest(sample_bag, "sha512")[IMAGE]
    path.write_text(text.replace(digest, "a" * 128), encoding="utf-8")
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E624" and IMAGE in finding[1] and "sha512" in finding[1]
    path.unlink()
    assert [code for code, _ in found(sample_bag, "E62")] == ["E624"]
    assert "premis.xml is missing" in found(sample_bag, "E62")[0][1]


def test_mets_missing_beside_premis_is_an_error(sample_bag: Path) -> None:
    (sample_bag / layout.METS_PATH).unlink()
    assert [code for code, _ in found(sample_bag, "E62")] == ["E621"]


def test_an_older_bag_without_mets_or_premis_only_warns(sample_bag: Path) -> None:
    """Bags made before METS have neither file, nor metadata.csv's collection row."""
    (sample_bag / layout.METS_PATH).unlink()
    (sample_bag / layout.PREMIS_PATH).unlink()
    csv_path = sample_bag / layout.CSV_PATH
    lines = csv_path.read_bytes().split(b"\r\n")
    csv_path.write_bytes(b"\r\n".join(line for line in lines if not line.startswith(b"data/objects,")))
    issues = meta(sample_bag)
    assert [(i.code, i.severity) for i in issues] == [("W621", "warning")]
    assert issues[0].path == layout.METS_PATH


def test_the_collection_row_is_compared_with_the_mets_collection(sample_bag: Path) -> None:
    csv_path = sample_bag / layout.CSV_PATH
    text = csv_path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[-1][0] == "data/objects" and rows[-1][rows[0].index("dc.type")] == "Collection"
    rows[-1][rows[0].index("dc.type")] = "Dataset"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    csv_path.write_text(out.getvalue(), encoding="utf-8", newline="")
    (finding,) = found(sample_bag, "E62")
    assert finding[0] == "E625" and "line 27" in finding[1] and "'Dataset'" in finding[1]
    csv_path.write_text(text.replace(text.splitlines(keepends=True)[-1], ""), encoding="utf-8", newline="")
    assert [code for code, _ in found(sample_bag, "E62")] == ["E625"]
    assert "no row for the collection" in found(sample_bag, "E62")[0][1]


@pytest.mark.parametrize(("name", "header", "expected"), [
    ("a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x02", ("JPEG File Interchange Format", "1.02", "fmt/44")),
    ("a.JPG", b"\xff\xd8\xff\xe1\x00\x10Exif\x00\x00", ("JPEG", "", "")),
    ("a.gif", b"GIF89a", ("Graphics Interchange Format", "89a", "fmt/4")),
    ("a.tif", b"II*\x00", ("Tagged Image File Format", "", "fmt/353")),
    ("a.png", b"\x89PNG\r\n\x1a\n", ("Portable Network Graphics", "1.2", "fmt/13")),
    ("a.webp", b"RIFF\x00\x00\x00\x00WEBP", ("WebP", "", "")),
])
def test_formats_get_a_puid_only_when_the_bytes_settle_it(name: str, header: bytes,
                                                         expected: tuple[str, str, str]) -> None:
    found_format = premis.identify(name, header)
    assert (found_format.name, found_format.version, found_format.puid) == expected

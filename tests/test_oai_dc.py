"""Standard Dublin Core: oai_dc records, the dumb-down rule, the DCMI type, and what the validator makes of them."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from packager.files.exiftool import ExifToolSession
from packager.metadata import dc
from packager.metadata.csvfile import read_metadata_csv
from packager.model import Issue
from packager.validate import metacheck
from packager.validate.folder import DirSource

DC_DIR = "data/metadata/dc"
CSV = "data/metadata/metadata.csv"
RECORDS = "data/metadata/records.json"
RECORD = f"{DC_DIR}/surv-007.xml"
IPTC_CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"


@pytest.fixture(scope="module")
def et() -> Iterator[ExifToolSession]:
    with ExifToolSession() as tool:
        yield tool


def check(bag: Path, et: ExifToolSession) -> list[Issue]:
    with DirSource(bag) as source:
        return metacheck.check(source, et.read_many)


def rows(bag: Path) -> dict[str, list[tuple[str, str]]]:
    reading = read_metadata_csv((bag / CSV).read_bytes())
    return {row.filename: row.pairs for row in reading.rows}


# --- the dumb-down rule -------------------------------------------------------

def test_qualified_terms_become_their_element_only_where_they_add_a_value() -> None:
    pairs = [("dc.identifier", "x-1"), ("dc.title", "Police robot"),
             ("dcterms.abstract", "A police  robot on patrol."),  # the caption's first sentence, spaced otherwise
             ("dc.description", "A police robot on patrol. It scans faces."),
             ("dcterms.isPartOf", "Surveillance in China"), ("dcterms.title", "Police robot"),
             ("dcterms.alternative", "Robot policier"), ("dcterms.spatial", "Beijing"),
             ("dcterms.spatial", "Beijing"), ("dcterms.audience", "researchers"), ("dc.subject", "police"),
             ("dc.subject", "police"), ("dc.type", "StillImage")]
    assert dc.simple_pairs(pairs) == [
        ("dc.identifier", "x-1"), ("dc.title", "Police robot"), ("dc.description", "A police robot on patrol. It "
                                                                   "scans faces."),
        ("dc.relation", "Surveillance in China"), ("dc.title", "Robot policier"), ("dc.coverage", "Beijing"),
        ("dc.subject", "police"), ("dc.subject", "police"), ("dc.type", "StillImage")]
    # an abstract that is not the description's text is one more description, where the abstract stood
    edited = [("dcterms.abstract", "Robot patrol"), ("dc.description", "A police robot on patrol.")]
    assert dc.simple_pairs(edited) == [("dc.description", "Robot patrol"), ("dc.description", "A police robot on patrol.")]
    # text compared as NFC: a decomposed é is the same text
    assert dc.simple_pairs([("dc.description", "Café in Kashgar."), ("dcterms.abstract", "Cafe\u0301 in Kashgar.")]) \
        == [("dc.description", "Café in Kashgar.")]
    assert dc.element_for("dcterms.isPartOf") == "dc.relation" and dc.element_for("dcterms.rightsHolder") is None


# --- hostile text ---------------------------------------------------------------

def _hostile(rng: random.Random) -> str:
    pieces = ["<", ">", "&", "&amp;", "]]>", '"', "'", "\t", "\n", "\r\n", "\r", " ", "\u00a0", "\u2028", "\u200f",
              "\u202e", "\ufeff", "\u0301", "e\u0301", "📷", "𠀋", "北京", "عربي", "עברית", "<!--", "-->", "<?pi?>",
              "<![CDATA[", "\\", "%", "{x}", "\ufffd", "\U0010fffd", "\ue000"]
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 12)))


def test_hostile_text_makes_records_valid_against_oai_dc_and_read_back_exactly() -> None:
    rng = random.Random(20261203)
    names = [f"dc.{n}" for n in sorted(dc.known_terms("dc"))] + ["dcterms.abstract", "dcterms.isPartOf",
                                                                 "dcterms.spatial", "dcterms.audience"]
    for _ in range(200):
        pairs = [(rng.choice(names), _hostile(rng)) for _ in range(rng.randrange(0, 10))]
        identifier = _hostile(rng)
        data = dc.dc_record_bytes(pairs, identifier)
        reading = dc.read_dc_record(data)
        assert reading.errors == [] and reading.form == dc.OAI_DC
        expected = dc.simple_pairs(pairs)
        if ("dc.identifier", identifier) not in expected:
            expected.insert(0, ("dc.identifier", identifier))
        assert reading.pairs == expected


# --- the sample bag -------------------------------------------------------------

def test_every_record_of_the_bag_is_oai_dc_and_says_what_its_row_says(sample_bag: Path) -> None:
    by_file = rows(sample_bag)
    records = sorted((sample_bag / DC_DIR).glob("*.xml"))
    assert len(records) == 26
    items = {i["identifier"]: i for i in json.loads((sample_bag / RECORDS).read_text(encoding="utf-8"))["items"]}
    for path in records:
        data = path.read_bytes()
        reading = dc.read_dc_record(data)
        assert (reading.form, reading.schema, reading.errors) == (dc.OAI_DC, "packager/schemas/dc/oai_dc.xsd", [])
        assert dc.DCTERMS_NS.encode() not in data and dc.RECORD_NS.encode() not in data
        assert reading.pairs is not None
        types = [v for k, v in reading.pairs if k == "dc.type"]
        if path.name == "collection.xml":
            assert types == ["Collection"]
            continue
        assert types == ["StillImage"]
        item = items[path.stem]
        row = by_file[item["payload"]]
        assert sorted(reading.pairs) == sorted(dc.simple_pairs(row))  # metadata.csv groups repeats
        assert ("dc.relation", "Surveillance in China: a photo essay") in reading.pairs  # dcterms.isPartOf
        assert [k for k, _ in row].count("dcterms.abstract") == 1  # the row keeps the qualified terms
        assert item["tags"]["XMP-iptcExt:DigitalSourceType"].startswith("http://cv.iptc.org/newscodes/")
    assert all(("dc.type", "StillImage") in pairs for pairs in by_file.values())
    assert IPTC_CAPTURE not in (sample_bag / CSV).read_text(encoding="utf-8")


def test_the_sample_bag_passes_the_metadata_layer(sample_bag: Path, et: ExifToolSession) -> None:
    assert check(sample_bag, et) == []


# --- tampering ---------------------------------------------------------------------

def _edit(bag: Path, old: bytes, new: bytes, rel: str = RECORD) -> None:
    path = bag / rel
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def test_a_changed_value_is_caught(sample_bag: Path, et: ExifToolSession) -> None:
    _edit(sample_bag, b"<dc:language>en</dc:language>", b"<dc:language>fr</dc:language>")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", RECORD)]
    assert "record has dc.language='fr'" in found[0].message


@pytest.mark.parametrize("added, said", [
    (b"<dc:subject>forged</dc:subject>", "record has dc.subject='forged'"),
    (b"<dc:type>StillImage</dc:type>", "record has dc.type='StillImage' once more"),  # a repeat of a true value
    (b"<dc:description>A police officer.</dc:description>", "record has dc.description='A police officer.'"),
])
def test_an_added_element_is_caught(sample_bag: Path, et: ExifToolSession, added: bytes, said: str) -> None:
    _edit(sample_bag, b"</oai_dc:dc>", added + b"</oai_dc:dc>")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", RECORD)]
    assert said in found[0].message


def test_a_removed_value_is_caught(sample_bag: Path, et: ExifToolSession) -> None:
    _edit(sample_bag, b"<dc:type>StillImage</dc:type>", b"")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", RECORD)]
    assert "metadata.csv has dc.type='StillImage'" in found[0].message


@pytest.mark.parametrize("old, new, message", [
    (b"<dc:language>en</dc:language>", b"<dcterms:abstract xmlns:dcterms='http://purl.org/dc/terms/'>x"
     b"</dcterms:abstract>", "Element 'dcterms:abstract': This element is not expected"),
    (b"<dc:language>en</dc:language>", b"<dc:headline>en</dc:headline>",
     "Element 'dc:headline': This element is not expected"),
    (b"<dc:language>en</dc:language>", b"<dc:language lang='en'>en</dc:language>",
     "attribute 'lang': The attribute 'lang' is not allowed"),
    (b"<oai_dc:dc ", b"<oai_dc:record ", "Element 'oai_dc:record': No matching global declaration"),
])
def test_a_schema_invalid_record_is_caught(sample_bag: Path, et: ExifToolSession, old: bytes, new: bytes,
                                           message: str) -> None:
    _edit(sample_bag, old, new)
    if new.startswith(b"<oai_dc:record"):
        _edit(sample_bag, b"</oai_dc:dc>", b"</oai_dc:record>")
    found = check(sample_bag, et)
    errors = [i for i in found if i.path == RECORD]
    assert errors and {i.code for i in errors} == {"E601"}
    assert any(message in i.message for i in errors), [i.message for i in errors]
    assert "packager/schemas/dc/oai_dc.xsd" in errors[0].message
    # an invalid record is not read, so in our bag its object has no record either
    assert [(i.code, i.path) for i in found if i.path != RECORD] == [("E602", "data/objects/Surv - 007.jpg")]


def test_a_record_without_identifier_is_caught(sample_bag: Path, et: ExifToolSession) -> None:
    _edit(sample_bag, b"<dc:identifier>surv-007</dc:identifier>", b"")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", RECORD), ("E602", "data/objects/Surv - 007.jpg")]
    assert "has no dc:identifier" in found[0].message and "no Dublin Core record" in found[1].message


def test_a_changed_collection_record_is_caught_against_the_collection_row(sample_bag: Path,
                                                                         et: ExifToolSession) -> None:
    collection = f"{DC_DIR}/collection.xml"
    _edit(sample_bag, b"<dc:type>Collection</dc:type>", b"<dc:type>Dataset</dc:type>", collection)
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", collection)]
    assert "data/objects" in found[0].message and "record has dc.type='Dataset'" in found[0].message


# --- bags written in the older form ---------------------------------------------------

def _legacy_record(pairs: list[tuple[str, str]]) -> bytes:
    """The record as packager wrote it before oai_dc: every pair, dc:* and dcterms:*, in our own wrapper."""
    nsmap: dict[str | None, str] = {None: dc.RECORD_NS, "dc": dc.DC_NS, "dcterms": dc.DCTERMS_NS}
    root = etree.Element(f"{{{dc.RECORD_NS}}}record", nsmap=nsmap)
    for name, value in pairs:
        prefix, local = name.split(".")
        etree.SubElement(root, f"{{{dc.PREFIXES[prefix]}}}{local}").text = value
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def _make_legacy(bag: Path) -> None:
    """Turn the sample into a bag as older packager versions wrote it: records in the older wrapper, and
    the IPTC digital source type as dc.type in metadata.csv and records.json."""
    items = json.loads((bag / RECORDS).read_text(encoding="utf-8"))["items"]
    csv_text = (bag / CSV).read_text(encoding="utf-8")
    (bag / CSV).write_text(csv_text.replace(",StillImage,", f",{IPTC_CAPTURE},"), encoding="utf-8", newline="")
    records = (bag / RECORDS).read_text(encoding="utf-8")
    (bag / RECORDS).write_text(records.replace('"value": "StillImage"', f'"value": "{IPTC_CAPTURE}"'),
                               encoding="utf-8")
    by_file = rows(bag)
    for item in items:
        (bag / DC_DIR / f"{item['identifier']}.xml").write_bytes(_legacy_record(by_file[item["payload"]]))
    collection = bag / DC_DIR / "collection.xml"
    collection.write_bytes(_legacy_record(dc.parse_dc_record(collection.read_bytes())))


def test_a_bag_in_the_older_form_is_still_read_and_checked(sample_bag: Path, et: ExifToolSession) -> None:
    _make_legacy(sample_bag)
    record = (sample_bag / RECORD).read_bytes()
    assert record.count(b"dcterms:") == 4 and IPTC_CAPTURE.encode() in record
    assert dc.read_dc_record(record).form == dc.LEGACY
    assert check(sample_bag, et) == []
    # and tampering with one is caught as before, against the whole row
    _edit(sample_bag, b"<dcterms:isPartOf>Surveillance", b"<dcterms:isPartOf>Forged")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E602", RECORD)]
    assert "dcterms.isPartOf='Forged in China: a photo essay'" in found[0].message


def test_an_older_record_invalid_against_its_own_schema_is_caught(sample_bag: Path, et: ExifToolSession) -> None:
    _make_legacy(sample_bag)
    _edit(sample_bag, b"<dcterms:abstract>", b"<dcterms:abstrakt>")
    _edit(sample_bag, b"</dcterms:abstract>", b"</dcterms:abstrakt>")
    found = check(sample_bag, et)
    assert [(i.code, i.path) for i in found] == [("E601", RECORD), ("E602", "data/objects/Surv - 007.jpg")]
    assert "packager/schemas/dc/record.xsd" in found[0].message and "dcterms:abstrakt" in found[0].message


def test_metadata_csv_of_the_bag_keeps_the_archivematica_columns(sample_bag: Path) -> None:
    header = next(csv.reader(io.StringIO((sample_bag / CSV).read_text(encoding="utf-8"))))
    assert header[0] == "filename" and {"dcterms.abstract", "dcterms.isPartOf", "dc.type", "dc.language"} <= set(header)
    assert all(re.fullmatch(r"(dc|dcterms)\.[A-Za-z]+", h) for h in header[1:])

"""Our bag read as Archivematica's documentation says an unzipped bag transfer is read.

Archivematica's import-metadata page ("Adding metadata to bags"): in a bag,
metadata.csv names files with the payload folder, ``data/...``; a directory
row names the directory the same way; premis.xml in the metadata folder holds
PREMIS objects, events and agents, each object linked to its file by
``premis:originalName``, each event to one agent, dates in ISO 8601. These
tests read the packaged sample that way: metadata.csv as Archivematica's
parser reads it (the first column is the key, a trailing ``/`` is dropped,
same-named columns collect into lists), premis.xml validated against PREMIS 3
and read with metsrw's PREMIS classes, as Archivematica's "Load PREMIS events
from metadata/premis.xml" job does.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

from lxml import etree
from metsrw.plugins import premisrw

from packager.collection.config import load
from packager.metadata import csvfile, layout
from packager.metadata.records import collection_dc
from packager.validate import metacheck
from packager.validate.csvstream import CsvStream
from packager.validate.folder import DirSource
from packager.validate.mets import PREMIS_XSD, schema

from .conftest import COLLECTION

P = {"premis": "http://www.loc.gov/premis/v3"}
TRANSFER = "%transferDirectory%"  # how Archivematica prefixes a transfer file's original location


def archivematica_rows(data: bytes) -> dict[str, dict[str, list[str]]]:
    """metadata.csv as Archivematica parses it: key = first cell without a trailing '/', values by column."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = [h.strip() for h in next(reader)[1:]]
    out: dict[str, dict[str, list[str]]] = {}
    for row in reader:
        if not row:
            continue
        values: dict[str, list[str]] = {}
        for name, value in zip(header, row[1:], strict=False):
            values.setdefault(name, []).append(value)
        out[row[0].rstrip("/")] = values
    return out


def test_metadata_csv_rows_use_the_bag_form_and_end_with_the_collection(sample_bag: Path) -> None:
    rows = archivematica_rows((sample_bag / layout.CSV_PATH).read_bytes())
    objects = sorted(p.relative_to(sample_bag).as_posix() for p in (sample_bag / "data/objects").iterdir())
    assert sorted(k for k in rows if k != "data/objects") == objects
    assert all(key.startswith("data/objects/") for key in objects)
    assert list(rows)[-1] == "data/objects" and (sample_bag / "data/objects").is_dir()
    collection = rows["data/objects"]
    expected: dict[str, list[str]] = {}
    for name, value in collection_dc(load(COLLECTION).info):
        expected.setdefault(name, []).append(value)
    assert {k: [v for v in vs if v] for k, vs in collection.items() if any(vs)} == expected
    assert expected["dc.type"] == ["Collection"] and expected["dc.identifier"] == ["surveillance-china-photo-essay"]


def test_readers_give_the_collection_row_apart_from_the_objects(sample_bag: Path) -> None:
    data = (sample_bag / layout.CSV_PATH).read_bytes()
    whole = csvfile.read_metadata_csv(data)
    assert len(whole.rows) == 25 and [r.filename for r in whole.collection] == ["data/objects"]
    assert whole.collection[0].line == 27 and ("dc.type", "Collection") in whole.collection[0].pairs
    streamed = list(CsvStream(io.BytesIO(data)))
    assert [type(r).__name__ for r in streamed].count("CsvRow") == 25
    assert [r for r in streamed if isinstance(r, csvfile.CsvCollectionRow)] == whole.collection
    assert all(csvfile.is_collection_row(name) for name in ("data/objects", "data/objects/", "objects", "objects/"))
    assert not csvfile.is_collection_row("data/objects/a.jpg")


def test_a_foreign_bag_with_a_transfer_level_row_has_no_rowless_objects(sample_bag: Path) -> None:
    """Another tool's bag may describe the whole transfer with an ``objects/`` row and leave the files undescribed."""
    info = sample_bag / "bag-info.txt"
    info.write_text("\n".join(line for line in info.read_text(encoding="utf-8").splitlines()
                              if not line.startswith("Bag-Software-Agent")) + "\n", encoding="utf-8")
    (sample_bag / layout.CSV_PATH).write_bytes(b"filename,dc.title\r\nobjects/,The whole transfer\r\n")
    shutil.rmtree(sample_bag / layout.DC_DIR)  # only metadata.csv: our other sidecars are not the question here
    (sample_bag / layout.RECORDS_PATH).unlink()
    (sample_bag / layout.ORIGINALS_PATH).unlink()
    found = [(i.code, i.message) for i in metacheck.check(DirSource(sample_bag), None)]
    assert [code for code, _ in found if code[0] in "EW"] == []
    assert found[0] == ("I612", "metadata.csv names objects as objects/… (Archivematica's form, relative to data/); "
                                "they were read as data/objects/…")
    assert [code for code, _ in found] == ["I612"]  # another tool's mets.xml is not ours to judge


def test_premis_xml_loads_as_archivematica_loads_it(sample_bag: Path) -> None:
    tree = etree.parse(str(sample_bag / layout.PREMIS_PATH))
    assert schema(PREMIS_XSD).validate(tree)  # Archivematica refuses a premis.xml its PREMIS 3 schema rejects
    root = tree.getroot()
    assert root.get("version") == "3.0"
    transfer_files = {TRANSFER + p.relative_to(sample_bag).as_posix() for p in (sample_bag / "data/objects").iterdir()}
    files, events, agents = {}, {}, {}
    for element in root.findall("premis:object", P):
        obj = premisrw.PREMISObject(data=premisrw.premis_to_data(element))
        name = element.findtext("premis:originalName", namespaces=P).strip()
        assert TRANSFER + name in transfer_files  # "%transferDirectory%" + originalName = the file's location
        links = {(i.findtext("premis:linkingEventIdentifierType", namespaces=P),
                  i.findtext("premis:linkingEventIdentifierValue", namespaces=P))
                 for i in element.findall("premis:linkingEventIdentifier", P)}
        files[(obj.identifier_type, obj.identifier_value)] = (name, links)
    for element in root.findall("premis:event", P):
        event = premisrw.PREMISEvent(data=premisrw.premis_to_data(element))
        dt.date.fromisoformat(event.date_time)  # ISO 8601, as the page asks
        assert event.event_outcome == "pass"
        agent_links = {(a.type, a.value) for a in event.findall("linking_agent_identifier")}
        object_links = {(o.type, o.value) for o in event.findall("linking_object_identifier")}
        events[(event.identifier_type, event.identifier_value)] = (event.event_type, agent_links, object_links)
    for element in root.findall("premis:agent", P):
        agent = premisrw.PREMISAgent(data=premisrw.premis_to_data(element))
        agents[(agent.identifier_type, agent.identifier_value)] = agent.name
    assert len(files) == 25 and {n for n, _ in files.values()} == {t[len(TRANSFER):] for t in transfer_files}
    assert len(events) == 75 and sorted(agents.values()) == ["ExifTool", "packager"]
    for name, links in files.values():
        assert sorted(events[link][0] for link in links) == ["message digest calculation", "metadata modification",
                                                             "validation"], name
    for kind, agent_links, object_links in events.values():
        assert agent_links and agent_links <= set(agents), kind  # every event's agents are in the file
        assert object_links and object_links <= set(files), kind

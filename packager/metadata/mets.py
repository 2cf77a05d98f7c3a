"""``mets.xml``: one METS 1.12 document for the package, written item by item.

Its shape follows what Archivematica writes and reads, so that metsrw (the
METS library Archivematica uses) reads it as it reads an AIP's METS:

* ``metsHdr`` with the bagging date and packager as the creating software agent;
* a ``dmdSec`` for the collection and one per item: the item's full Dublin
  Core (the 15 elements as ``dc:*``, the qualified terms such as
  ``dcterms:abstract`` and ``dcterms:isPartOf`` as ``dcterms:*``) inside
  ``mdWrap MDTYPE="DC"`` / ``xmlData`` / ``dcterms:dublincore``, the wrapper
  Archivematica's own METS uses for DC parsed from metadata.csv;
* an ``amdSec`` per file: PREMIS 3 (:mod:`.premis`) in a ``techMD`` for the
  embedded copy and one for the original (``MDTYPE="PREMIS:OBJECT"``), a
  ``digiprovMD`` per event (``PREMIS:EVENT``) and per agent (``PREMIS:AGENT``);
* a ``fileSec`` with one ``fileGrp USE="original"`` listing every payload
  image by its bag path (``FLocat`` ``xlink:href="data/objects/..."``,
  percent-encoded as a URI reference must be, with its size, MIME type and a
  manifest checksum);
* a physical ``structMap``: the collection's ``Directory`` div (its dmdSec)
  holding an ``Item`` div per file (its dmdSec, an ``fptr`` to the file).

File IDs are ``file-<uuid>`` with ``GROUPID="Group-<uuid>"`` (Archivematica's
form, from which metsrw reads the file's UUID). The document is written
streaming: each section goes to a temporary file as items arrive, and
:meth:`MetsXml.finish` joins them in METS order, so memory stays flat in the
number of items.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
from collections.abc import Mapping, Sequence
from typing import IO
from urllib.parse import quote
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from packager.model import ItemResult

from . import dc, premis
from .text import storable_text

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: The METS schema and the XLink schema it imports, as shipped (packager/schemas/mets/).
XSD = "mets/mets.xsd"
XLINK_XSD = "mets/xlink.xsd"
SCHEMA_URL = "http://www.loc.gov/standards/mets/mets.xsd"
XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"
DCTERMS_XSD_URL = "http://dublincore.org/schemas/xmls/qdc/2008/02/11/dcterms.xsd"
COLLECTION_DMD = "dmdSec_collection"
FILE_GROUP = "original"
STRUCT_MAP_LABEL = "packager"

_M = f"{{{METS_NS}}}"
_NSMAP: dict[str | None, str] = {"mets": METS_NS, "xlink": XLINK_NS, "xsi": premis.XSI_NS}


def dublin_core(pairs: Sequence[tuple[str, str]]) -> etree._Element:
    """``dcterms:dublincore`` holding ``pairs`` (``("dc.title", ...)``, ``("dcterms.abstract", ...)``) in order.

    Empty values are left out. Raises ValueError for an unknown element name or
    for text XML 1.0 cannot carry (as the Dublin Core record writer does).
    """
    root = etree.Element(f"{{{dc.DCTERMS_NS}}}dublincore", nsmap={"dc": dc.DC_NS, "dcterms": dc.DCTERMS_NS})
    root.set(f"{{{premis.XSI_NS}}}schemaLocation", f"{dc.DCTERMS_NS} {DCTERMS_XSD_URL}")
    for name, value in pairs:
        namespace, local = dc.check_name(name)
        if not value:
            continue
        bad = dc.unencodable_chars(value)
        if bad:
            raise ValueError(f"{name} holds U+{ord(bad[0][1]):04X}, which XML 1.0 cannot carry")
        etree.SubElement(root, f"{{{namespace}}}{local}").text = value
    return root


def dmd_sec(section_id: str, pairs: Sequence[tuple[str, str]], created: str) -> etree._Element:
    """A ``dmdSec`` wrapping the Dublin Core of ``pairs`` (MDTYPE="DC")."""
    section = etree.Element(_M + "dmdSec", nsmap=_NSMAP, ID=section_id, CREATED=created)
    wrap = etree.SubElement(section, _M + "mdWrap", MDTYPE="DC")
    etree.SubElement(wrap, _M + "xmlData").append(dublin_core(pairs))
    return section


def _wrapped(parent: etree._Element, tag: str, section_id: str, mdtype: str, content: etree._Element) -> None:
    section = etree.SubElement(parent, _M + tag, ID=section_id)
    wrap = etree.SubElement(section, _M + "mdWrap", MDTYPE=mdtype)
    etree.SubElement(wrap, _M + "xmlData").append(content)


def amd_sec(index: int, bag: str, facts: premis.FileFacts, date: _dt.date,
            software: Mapping[str, str]) -> etree._Element:
    """The file's ``amdSec``: the copy and the original in techMDs, the events and agents in digiprovMDs."""
    section = etree.Element(_M + "amdSec", nsmap=_NSMAP, ID=f"amdSec_{index}")
    _wrapped(section, "techMD", f"techMD_{index}", "PREMIS:OBJECT", premis.copy_object(bag, facts))
    _wrapped(section, "techMD", f"techMD_{index}_original", "PREMIS:OBJECT", premis.original_object(bag, facts))
    md = 0
    for event in premis.events(bag, facts, date, software):
        md += 1
        _wrapped(section, "digiprovMD", f"digiprovMD_{index}_{md}", "PREMIS:EVENT", event)
    for agent in premis.agents(software):
        md += 1
        _wrapped(section, "digiprovMD", f"digiprovMD_{index}_{md}", "PREMIS:AGENT", agent)
    return section


def checksum(digests: Mapping[str, str], algorithms: Sequence[str]) -> tuple[str, str] | None:
    """(METS CHECKSUMTYPE, value) of the first of ``algorithms`` METS can name, or None."""
    for algorithm in algorithms:
        if algorithm in premis.METS_CHECKSUM and algorithm in digests:
            return premis.METS_CHECKSUM[algorithm], digests[algorithm]
    return None


def file_entry(index: int, bag: str, facts: premis.FileFacts, algorithms: Sequence[str]) -> etree._Element:
    """The ``mets:file`` of one payload image."""
    file_uuid = premis.uuid_for(bag, facts.identifier, "copy")
    entry = etree.Element(_M + "file", nsmap=_NSMAP, ID=f"file-{file_uuid}", GROUPID=f"Group-{file_uuid}",
                          ADMID=f"amdSec_{index}", MIMETYPE=facts.format.mime, SIZE=str(facts.size))
    found = checksum(facts.copy_digests, algorithms)
    if found:
        entry.set("CHECKSUMTYPE", found[0])
        entry.set("CHECKSUM", found[1])
    locat = etree.SubElement(entry, _M + "FLocat", LOCTYPE="OTHER", OTHERLOCTYPE="SYSTEM")
    locat.set(f"{{{XLINK_NS}}}href", href(facts.bag_path))
    return entry


def href(bag_path: str) -> str:
    """A bag path as ``xlink:href`` holds it: a URI reference (xs:anyURI), so percent-encoded
    (``data/objects/Surv%20-%20001.jpg``); metsrw and our validator decode it back to the path."""
    return quote(bag_path, safe="/")


def item_div(index: int, bag: str, facts: premis.FileFacts) -> etree._Element:
    """The structMap ``div`` of one file: its name, its dmdSec, a pointer to its ``mets:file``."""
    label = facts.bag_path.rsplit("/", 1)[-1]
    div = etree.Element(_M + "div", nsmap=_NSMAP, TYPE="Item", LABEL=label, DMDID=f"dmdSec_{index}")
    etree.SubElement(div, _M + "fptr", FILEID=f"file-{premis.uuid_for(bag, facts.identifier, 'copy')}")
    return div


def _bytes(element: etree._Element) -> bytes:
    return premis.element_bytes(element)


class MetsXml:
    """``mets.xml`` written streaming: :meth:`add` each item as it arrives, :meth:`finish` once."""

    _PARTS = ("dmd", "amd", "files", "divs")

    def __init__(self, bag: str, label: str, date: _dt.date, software: Mapping[str, str],
                 algorithms: Sequence[str]) -> None:
        self._bag, self._label, self._date = bag, label, date
        self._software, self._algorithms = software, tuple(algorithms)
        self._created = f"{date.isoformat()}T00:00:00"
        self._parts: dict[str, IO[bytes]] = {  # closed by close()
            name: tempfile.TemporaryFile(prefix=f"packager-mets-{name}-") for name in self._PARTS}  # noqa: SIM115
        self._count = 0

    def add(self, facts: premis.FileFacts, pairs: Sequence[tuple[str, str]]) -> None:
        """One item: its dmdSec (from its full Dublin Core ``pairs``), amdSec, file and structMap div."""
        self._count += 1
        n, bag = self._count, self._bag
        self._parts["dmd"].write(_bytes(dmd_sec(f"dmdSec_{n}", pairs, self._created)))
        self._parts["amd"].write(_bytes(amd_sec(n, bag, facts, self._date, self._software)))
        self._parts["files"].write(_bytes(file_entry(n, bag, facts, self._algorithms)))
        self._parts["divs"].write(_bytes(item_div(n, bag, facts)))

    def finish(self, out: IO[bytes], collection: Sequence[tuple[str, str]]) -> None:
        """Write the document to ``out``: header, dmdSecs (the collection's first), amdSecs, fileSec, structMap."""
        agent = f"packager {self._software.get('packager', '')}".strip()
        out.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n'
            + (f'<mets:mets xmlns:mets="{METS_NS}" xmlns:xlink="{XLINK_NS}" xmlns:xsi="{premis.XSI_NS}" '
               f'xsi:schemaLocation="{METS_NS} {SCHEMA_URL}" OBJID={_attr(self._bag)} LABEL={_attr(self._label)}>\n'
               f'<mets:metsHdr CREATEDATE="{self._created}">\n'
               '  <mets:agent ROLE="CREATOR" TYPE="OTHER" OTHERTYPE="SOFTWARE">\n'
               f'    <mets:name>{_text(agent)}</mets:name>\n'
               "  </mets:agent>\n"
               "</mets:metsHdr>\n").encode())
        out.write(_bytes(dmd_sec(COLLECTION_DMD, collection, self._created)))
        self._copy("dmd", out)
        self._copy("amd", out)
        out.write(f'<mets:fileSec>\n<mets:fileGrp USE="{FILE_GROUP}">\n'.encode())
        self._copy("files", out)
        out.write(b"</mets:fileGrp>\n</mets:fileSec>\n")
        out.write((f'<mets:structMap TYPE="physical" ID="structMap_1" LABEL="{STRUCT_MAP_LABEL}">\n'
                   f'<mets:div TYPE="Directory" LABEL={_attr(self._bag)} DMDID="{COLLECTION_DMD}">\n').encode())
        self._copy("divs", out)
        out.write(b"</mets:div>\n</mets:structMap>\n</mets:mets>\n")

    def _copy(self, name: str, out: IO[bytes]) -> None:
        part = self._parts[name]
        part.seek(0)
        while chunk := part.read(1 << 20):
            out.write(chunk)

    def close(self) -> None:
        for part in self._parts.values():
            part.close()


def _attr(value: str) -> str:
    return quoteattr(_text(value))


def _text(value: str) -> str:
    return escape(storable_text(value))


def facts_from(item: ItemResult, source_path: str, size: int, copy_digests: Mapping[str, str],
               header: bytes) -> premis.FileFacts:
    """The :class:`~.premis.FileFacts` of an embedded :class:`~packager.model.ItemResult`."""
    return premis.FileFacts(
        identifier=item.identifier, bag_path=item.payload or "", source_path=source_path, size=size,
        copy_digests=dict(copy_digests), original_digests=dict(item.original_digests),
        format=premis.identify(item.file, header), pixel_digest=item.pixel_digest,
        tags=tuple(sorted(str(tag) for tag in item.tags)), replaced=tuple(item.replaced))

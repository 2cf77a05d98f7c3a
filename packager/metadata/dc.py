"""Dublin Core XML records: one per item and one for the collection, in ``data/metadata/dc/``.

Pure serialisation and parsing, bytes in and bytes out; the only data read is the
XSD shipped in ``packager/schemas/dc/``.

Dublin Core values travel as ``list[tuple[str, str]]``: element names such as
``"dc.title"`` or ``"dcterms.abstract"`` (the Archivematica column spelling),
order kept, repeats allowed. A name must be one of the fifteen DCMES 1.1
elements (``dc.*``) or one of the 55 DCMI Metadata Terms properties
(``dcterms.*``); the list of names is read from our XSD (``dc-elements.xsd``,
``dcterms.xsd``) so the writer and the schema cannot disagree. Empty values
mean "unknown" and are not written.

**The record** is an OAI-PMH ``oai_dc:dc`` document (namespace
:data:`OAI_DC_NS`), holding only the fifteen ``dc:*`` elements, UTF-8 with an
XML declaration, valid against the official ``oai_dc.xsd`` (shipped with the
schemas it imports; see ``packager/schemas/dc/README.md``). Qualified terms
(``dcterms.*``) have no place there: they stay in ``metadata.csv`` and the
METS dmdSec. In the record each is "dumbed down" to the element it refines
(:data:`REFINES`; DCMI's rule that a refinement may be read as its element),
but only where that adds a value the element does not already hold
(:func:`simple_pairs`): ``dcterms.isPartOf`` (the collection's title) becomes
a ``dc:relation``; ``dcterms.abstract`` (the headline, the caption's first
sentence) becomes a ``dc:description`` only when no description already
contains its text, so normally it does not; a term that refines no element
(``dcterms.audience``, ``provenance``, ``rightsHolder``...) is left out.
Text is compared after NFC normalisation with runs of white space made one
space. :func:`simple_pairs` is the one statement of that rule: the writer and
the validator both call it.

Text that XML 1.0 cannot carry (C0 control characters other than TAB/LF/CR,
lone surrogates, U+FFFE/U+FFFF) raises :class:`UnencodableTextError` rather
than being altered, because the sidecar must equal what is embedded in the
image.

**Older bags** carry ``<record xmlns="urn:packager:dc-record:1">`` with ``dc:*``
and ``dcterms:*`` children, valid against our own ``record.xsd``. They are
still read (:func:`read_dc_record` tells the two forms apart by their root);
none is written any more.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from lxml import etree

from packager import schemas
from packager.errors import UnencodableTextError

from .text import NOT_XML

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
RECORD_NS = "urn:packager:dc-record:1"  # the older wrapper, read only
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PREFIXES = {"dc": DC_NS, "dcterms": DCTERMS_NS}
XSD_DIR = "dc"  # in packager/schemas/
OAI_DC_XSD = f"{XSD_DIR}/oai_dc.xsd"
RECORD_XSD = f"{XSD_DIR}/record.xsd"
OAI_DC_SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
_XSD_FILES = {"dc": f"{XSD_DIR}/dc-elements.xsd", "dcterms": f"{XSD_DIR}/dcterms.xsd"}
#: The base URL the XSD are parsed under: their relative imports resolve to it, and
#: :class:`_ShippedSchemas` serves them from the package, never from disk or network.
_XSD_BASE = "packager-schemas:///"
#: The absolute schema locations the official XSD import, and the shipped file for each.
SHIPPED_URLS = {
    "http://www.openarchives.org/OAI/2.0/oai_dc.xsd": OAI_DC_XSD,
    "http://dublincore.org/schemas/xmls/simpledc20021212.xsd": f"{XSD_DIR}/simpledc20021212.xsd",
    "http://www.w3.org/2001/03/xml.xsd": f"{XSD_DIR}/xml.xsd",
}

#: The two forms of record :func:`read_dc_record` knows.
OAI_DC = "oai_dc"
LEGACY = "record"

#: DCMI Metadata Terms that refine one of the fifteen elements (rdfs:subPropertyOf in
#: DCMI's namespace documents), by the element they refine. The fifteen same-named
#: terms (``dcterms.title``...) refine their namesakes and are not listed.
REFINES = {
    "abstract": "description", "tableOfContents": "description", "alternative": "title",
    "available": "date", "created": "date", "dateAccepted": "date", "dateCopyrighted": "date",
    "dateSubmitted": "date", "issued": "date", "modified": "date", "valid": "date",
    "extent": "format", "medium": "format", "bibliographicCitation": "identifier",
    "conformsTo": "relation", "hasFormat": "relation", "hasPart": "relation", "hasVersion": "relation",
    "isFormatOf": "relation", "isPartOf": "relation", "isReferencedBy": "relation", "isReplacedBy": "relation",
    "isRequiredBy": "relation", "isVersionOf": "relation", "references": "relation", "replaces": "relation",
    "requires": "relation", "spatial": "coverage", "temporal": "coverage", "accessRights": "rights",
    "license": "rights",
}
#: Terms that refine none of the fifteen: an oai_dc record cannot say them.
UNREFINED = frozenset({"accrualMethod", "accrualPeriodicity", "accrualPolicy", "audience", "educationLevel",
                       "instructionalMethod", "mediator", "provenance", "rightsHolder"})

Pairs = list[tuple[str, str]]

_NAME = re.compile(r"^(dc|dcterms)\.([A-Za-z]+)$")
_SPACE = re.compile(r"\s+")


def _safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network: sidecars come from bags we do not trust."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


class _ShippedSchemas(etree.Resolver):
    """Serves ``packager-schemas:///dc/...`` and the official schema URLs (:data:`SHIPPED_URLS`)
    from the package data, so that no import ever reaches the disk or the network."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        name = SHIPPED_URLS.get(system_url or "")
        if name is None and system_url and system_url.startswith(_XSD_BASE):
            name = system_url[len(_XSD_BASE):]
        if name is None:
            return None
        return self.resolve_string(schemas.read_bytes(name), context, base_url=_XSD_BASE + name)


def _shipped_xsd(name: str) -> etree._ElementTree:
    """A shipped XSD parsed so that its imports are read from the package too."""
    parser = _safe_parser()
    parser.resolvers.add(_ShippedSchemas())
    return etree.parse(io.BytesIO(schemas.read_bytes(name)), parser, base_url=_XSD_BASE + name)


@cache
def known_terms(prefix: str) -> frozenset[str]:
    """Element names the XSD declares for ``"dc"`` or ``"dcterms"``."""
    tree = _shipped_xsd(_XSD_FILES[prefix])
    xs = "{http://www.w3.org/2001/XMLSchema}"
    return frozenset(el.get("name") for el in tree.getroot().iterchildren(f"{xs}element"))


def check_name(name: str) -> tuple[str, str]:
    """Split ``"dc.title"`` into (namespace URI, local name); ValueError if unknown."""
    match = _NAME.match(name) if isinstance(name, str) else None
    if not match:
        raise ValueError(f"{name!r} is not a Dublin Core element name; write dc.<element> or dcterms.<term>")
    prefix, local = match.groups()
    if local not in known_terms(prefix):
        what = "one of the 15 DCMES 1.1 elements" if prefix == "dc" else "a DCMI Metadata Terms property"
        raise ValueError(f"unknown element {name!r}: {prefix}.* must be {what} (see packager/schemas/dc/)")
    return PREFIXES[prefix], local


def unencodable_chars(text: str) -> list[tuple[int, str]]:
    """(0-based index, character) of everything XML 1.0 cannot carry in ``text``."""
    return [(m.start(), m.group()) for m in NOT_XML.finditer(text)]


def _check_value(name: str, index: int, value: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"value #{index} ({name}) must be str, not {type(value).__name__}")
    bad = unencodable_chars(value)
    if bad:
        pos, char = bad[0]
        raise UnencodableTextError(
            f"value #{index} ({name}) contains U+{ord(char):04X} at character {pos + 1}, which XML 1.0 "
            f"cannot carry ({len(bad)} such character(s) in all); remove it from the source text")


# --- the dumb-down rule -------------------------------------------------------

def element_for(name: str) -> str | None:
    """The ``dc.*`` element an oai_dc record says ``name`` with, or None when it cannot."""
    prefix, _, local = name.partition(".")
    if prefix == "dc":
        return name
    if local in known_terms("dc"):
        return f"dc.{local}"
    refined = REFINES.get(local)
    return f"dc.{refined}" if refined else None


def _plain(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _said(element: str, value: str, said: dict[str, list[str]]) -> bool:
    plain = _plain(value)
    known = said.get(element, [])
    if element == "dc.description":  # the headline is the caption's first sentence: already in it
        return any(plain in other for other in known)
    return plain in known


def simple_pairs(pairs: Pairs) -> Pairs:
    """The pairs an oai_dc record holds for ``pairs``: every non-empty ``dc.*`` pair, and each
    ``dcterms.*`` pair as the element it refines where that element does not already say it.

    Order is kept (a dumbed-down value stands where its term stood). Names are not
    checked here; :func:`dc_record_bytes` does.
    """
    said: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.startswith("dc.") and value:
            said.setdefault(name, []).append(_plain(value))
    out: Pairs = []
    for name, value in pairs:
        if not value:
            continue
        if name.startswith("dc."):
            out.append((name, value))
            continue
        element = element_for(name)
        if element and not _said(element, value, said):
            said.setdefault(element, []).append(_plain(value))
            out.append((element, value))
    return out


# --- writing ------------------------------------------------------------------

def dc_record_bytes(pairs: Pairs, identifier: str) -> bytes:
    """One oai_dc record as UTF-8 XML: the pairs as :func:`simple_pairs` gives them.

    ``identifier`` is written as the first ``dc:identifier`` unless the pairs
    already hold ``("dc.identifier", identifier)``, so every record carries
    the identifier the bag knows it by. Pairs with an empty value are
    skipped. Raises ValueError for unknown element names and
    :class:`UnencodableTextError` for text XML cannot hold.
    """
    if not isinstance(identifier, str) or not identifier:
        raise ValueError("a Dublin Core record needs a non-empty identifier")
    _check_value("identifier", 0, identifier)
    for index, (name, value) in enumerate(pairs, start=1):
        check_name(name)
        _check_value(name, index, value)
    simple = simple_pairs(pairs)
    if ("dc.identifier", identifier) not in simple:
        simple.insert(0, ("dc.identifier", identifier))
    nsmap: dict[str | None, str] = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=nsmap)
    root.set(f"{{{XSI_NS}}}schemaLocation", OAI_DC_SCHEMA_LOCATION)
    for name, value in simple:
        etree.SubElement(root, f"{{{DC_NS}}}{name[3:]}").text = value
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


# --- reading ------------------------------------------------------------------

@dataclass(frozen=True)
class DcReading:
    """What :func:`read_dc_record` made of a record.

    ``form`` is :data:`OAI_DC`, :data:`LEGACY` or "" (neither root); ``schema``
    names the XSD it was validated against; ``errors`` are "line N: reason";
    ``pairs`` are its (name, value) pairs in document order, None when it has errors.
    """

    form: str
    schema: str
    errors: list[str]
    pairs: Pairs | None


def read_dc_record(data: bytes) -> DcReading:
    """Validate a record of either form against its schema and read its pairs.

    The root decides the schema: ``oai_dc:dc`` (and any root that is neither
    form) against ``oai_dc.xsd``, the older ``record`` against ``record.xsd``.
    """
    try:
        root = _load_record(data)
    except ValueError as exc:  # not well-formed: name the schema its namespace points to
        older = RECORD_NS.encode() in data[:4096] and OAI_DC_NS.encode() not in data[:4096]
        return DcReading("", schemas.label(RECORD_XSD if older else OAI_DC_XSD), [str(exc)], None)
    form = {f"{{{OAI_DC_NS}}}dc": OAI_DC, f"{{{RECORD_NS}}}record": LEGACY}.get(root.tag, "")
    xsd = RECORD_XSD if form == LEGACY else OAI_DC_XSD
    errors = _validate(root, xsd)
    if errors:
        return DcReading(form, schemas.label(xsd), errors, None)
    try:
        pairs = _pairs(root, form)
    except ValueError as exc:  # schema-valid but not shaped as we read it
        return DcReading(form, schemas.label(xsd), [str(exc)], None)
    return DcReading(form, schemas.label(xsd), [], pairs)


def parse_dc_record(data: bytes) -> Pairs:
    """The (name, value) pairs of a record of either form, in document order.

    Raises ValueError for XML that is not well-formed or not shaped like a
    record (other root, foreign or nested elements); use
    :func:`read_dc_record` for the full report.
    """
    root = _load_record(data)
    form = {f"{{{OAI_DC_NS}}}dc": OAI_DC, f"{{{RECORD_NS}}}record": LEGACY}.get(root.tag)
    if form is None:
        raise ValueError(f"root element is {root.tag}, expected {{{OAI_DC_NS}}}dc (or the older "
                         f"{{{RECORD_NS}}}record)")
    return _pairs(root, form)


def _pairs(root: etree._Element, form: str) -> Pairs:
    names = {DC_NS: "dc"} if form == OAI_DC else {uri: prefix for prefix, uri in PREFIXES.items()}
    pairs: Pairs = []
    for child in root.iterchildren(tag=etree.Element):
        qname = etree.QName(child)
        if qname.namespace not in names or any(True for _ in child.iterchildren(tag=etree.Element)):
            raise ValueError(f"line {child.sourceline}: unexpected element {child.tag}")
        # itertext: a comment or processing instruction inside a value is not part of it
        pairs.append((f"{names[qname.namespace]}.{qname.localname}", "".join(child.itertext())))
    return pairs


def _load_record(data: bytes) -> etree._Element:
    """Parse a record; ValueError ("line N: ...") if malformed or if it has a DOCTYPE.

    Our records never have a DOCTYPE; refusing one keeps entity tricks
    (external files, expansion bombs) out of both parsing and validation.
    """
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"line {exc.lineno}: not well-formed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:
        line = data[:max(data.find(b"<!DOCTYPE"), 0)].count(b"\n") + 1
        raise ValueError(f"line {line}: a DOCTYPE declaration is not allowed in a Dublin Core record")
    return root


_schema_lock = threading.Lock()


@lru_cache(maxsize=2)
def _schema(name: str = OAI_DC_XSD) -> etree.XMLSchema:
    """A shipped schema, loaded once; its imports are served from the package too."""
    return etree.XMLSchema(_shipped_xsd(name))


def _short(message: str) -> str:
    """Write namespaces as prefixes so that messages fit on a line."""
    message = message.replace(f"{{{RECORD_NS}}}", "rec:").replace(f"{{{OAI_DC_NS}}}", "oai_dc:")
    for prefix, uri in PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


def _validate(doc: etree._Element, xsd: str) -> list[str]:
    schema = _schema(xsd)
    with _schema_lock:  # one XMLSchema object, one error log: keep validations apart
        try:
            valid = schema.validate(doc)
        except etree.XMLSchemaValidateError as exc:  # libxml2 gave up; say so rather than crash
            return [f"line {doc.sourceline}: the schema validator failed: {exc}"]
        errors = [f"line {e.line}: {_short(e.message)}" for e in schema.error_log]
    if valid:
        return []
    if doc.tag == f"{{{RECORD_NS}}}record" and doc.find(f"{{{DC_NS}}}identifier") is None:
        errors.insert(0, f"line {doc.sourceline}: the record has no dc:identifier element; every record needs one")
    return errors


def validate_dc_record(data: bytes) -> list[str]:
    """Messages ("line N: reason") from validating a record against its schema (see
    :func:`read_dc_record`); [] when valid."""
    return read_dc_record(data).errors

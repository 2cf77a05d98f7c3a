"""Dublin Core XML records: one per item and one for the collection, in ``data/metadata/dc/``.

Pure serialisation and parsing, bytes in and bytes out; the only data read is the
XSD shipped in ``packager/schemas/dc/``.

Dublin Core values travel as ``list[tuple[str, str]]``: element names such as
``"dc.title"`` or ``"dcterms.abstract"`` (the Archivematica column spelling),
order kept, repeats allowed. A name must be one of the fifteen DCMES 1.1
elements (``dc.*``) or one of the 55 DCMI Metadata Terms properties
(``dcterms.*``); the list of names is read from the XSD so the writer and the
schema cannot disagree. Empty values mean "unknown" and are not written.

A record is ``<record xmlns="urn:packager:dc-record:1">`` holding ``dc:*`` and
``dcterms:*`` children, UTF-8 with an XML declaration. Text that XML 1.0 cannot
carry (C0 control characters other than TAB/LF/CR, lone surrogates,
U+FFFE/U+FFFF) raises :class:`UnencodableTextError` rather than being altered,
because the sidecar must equal what is embedded in the image.
"""

from __future__ import annotations

import io
import re
import threading
from functools import cache, lru_cache

from lxml import etree

from packager import schemas
from packager.errors import UnencodableTextError

from .text import NOT_XML

RECORD_NS = "urn:packager:dc-record:1"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
PREFIXES = {"dc": DC_NS, "dcterms": DCTERMS_NS}
XSD_DIR = "dc"  # in packager/schemas/
RECORD_XSD = f"{XSD_DIR}/record.xsd"
_XSD_FILES = {"dc": f"{XSD_DIR}/dc-elements.xsd", "dcterms": f"{XSD_DIR}/dcterms.xsd"}
#: The base URL the XSD are parsed under: their relative imports resolve to it, and
#: :class:`_ShippedSchemas` serves them from the package, never from disk or network.
_XSD_BASE = "packager-schemas:///"

Pairs = list[tuple[str, str]]

_NAME = re.compile(r"^(dc|dcterms)\.([A-Za-z]+)$")



def _safe_parser() -> etree.XMLParser:
    """No DTD, no entities, no network: sidecars come from bags we do not trust."""
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)


class _ShippedSchemas(etree.Resolver):
    """Serves ``packager-schemas:///dc/...`` from the package data (an XSD import is relative)."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        if system_url and system_url.startswith(_XSD_BASE):
            return self.resolve_string(schemas.read_bytes(system_url[len(_XSD_BASE):]), context)
        return None


def _shipped_xsd(name: str) -> etree._ElementTree:
    """A shipped XSD parsed so that its relative imports are read from the package too."""
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

def dc_record_bytes(pairs: Pairs, identifier: str) -> bytes:
    """One Dublin Core record as UTF-8 XML.

    ``identifier`` is written as the first ``dc:identifier`` unless the pairs
    already hold ``("dc.identifier", identifier)``, so every record carries
    the identifier the bag knows it by (the XSD requires one). Pairs with an
    empty value are skipped. Raises ValueError for unknown element names and
    :class:`UnencodableTextError` for text XML cannot hold.
    """
    if not isinstance(identifier, str) or not identifier:
        raise ValueError("a Dublin Core record needs a non-empty identifier")
    _check_value("identifier", 0, identifier)
    elements: list[tuple[str, str, str]] = []
    for index, (name, value) in enumerate(pairs, start=1):
        namespace, local = check_name(name)
        _check_value(name, index, value)
        elements.append((namespace, local, value))
    if ("dc.identifier", identifier) not in pairs:
        elements.insert(0, (DC_NS, "identifier", identifier))
    nsmap: dict[str | None, str] = {None: RECORD_NS}
    nsmap.update(PREFIXES)
    root = etree.Element(f"{{{RECORD_NS}}}record", nsmap=nsmap)
    for ns, local, value in elements:
        if value:
            etree.SubElement(root, f"{{{ns}}}{local}").text = value
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return data


def parse_dc_record(data: bytes) -> Pairs:
    """Inverse of :func:`dc_record_bytes`: the (name, value) pairs in document order.

    Raises ValueError for XML that is not well-formed or not shaped like a
    record (other root, foreign or nested elements); use
    :func:`validate_dc_record` for the full report.
    """
    root = _load_record(data)
    if root.tag != f"{{{RECORD_NS}}}record":
        raise ValueError(f"root element is {root.tag}, expected {{{RECORD_NS}}}record")
    names = {uri: prefix for prefix, uri in PREFIXES.items()}
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


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    """The record schema, loaded once; its imports are served from the package too."""
    return etree.XMLSchema(_shipped_xsd(RECORD_XSD))


def _short(message: str) -> str:
    """Write namespaces as prefixes so that messages fit on a line."""
    message = message.replace(f"{{{RECORD_NS}}}", "rec:")
    for prefix, uri in PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message


def validate_dc_record(data: bytes) -> list[str]:
    """Messages ("line N: reason") from validating against packager/schemas/dc/record.xsd; [] when valid."""
    try:
        doc = _load_record(data)
    except ValueError as exc:
        return [str(exc)]
    schema = _schema()
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

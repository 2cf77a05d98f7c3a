"""PREMIS 3 for each embedded item: its objects, the events that made it, the software agents.

One definition serves both places a bag carries PREMIS: each file's amdSec in
``mets.xml`` (:mod:`.mets`) and ``premis.xml``, where Archivematica loads
PREMIS events from a transfer ("Importing event metadata with premis.xml" on
its import-metadata page). Everything is a pure function of :class:`FileFacts`
and the software versions, so the same inputs give the same bytes.

For each item:

* the **embedded copy** (``xsi:type="premis:file"``): identified by its bag
  path (``data/objects/<file>``) and the item identifier, with the fixity of
  every manifest algorithm, its size and format (name, version, PRONOM PUID
  where the format is certain), and ``originalName`` = the bag path, which is
  how Archivematica links a premis.xml object to a file of a bag transfer (it
  compares ``%transferDirectory%`` + originalName with the file's original
  location, and a bag's files keep their ``data/`` path there);
* the **original** (``mets.xml`` only: it is not in the bag, and Archivematica
  reports an object it cannot find): its collection path and fixity, the
  values of ``originals.txt``;
* three **events**, dated with the bagging date: ``message digest calculation``
  (both files' digests), ``metadata modification`` (the tags ExifTool wrote and
  every value it replaced or removed) and ``validation`` (the copy read back,
  its pixels proven those of the original), each ``pass`` with the software
  agents that carried it out;
* the **agents**: packager and ExifTool, ``agentType`` software, with their versions.

Identifiers are UUIDs derived (``uuid5``) from the bag and item identifiers,
so they are stable across runs; Archivematica replaces them with its own on import.
"""

from __future__ import annotations

import datetime as _dt
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from .text import storable_text

PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
VERSION = "3.0"
#: The PREMIS 3.0 schema as shipped (packager/schemas/premis/), and where it is published.
XSD = "premis/premis-v3-0.xsd"
SCHEMA_URL = "http://www.loc.gov/standards/premis/v3/premis.xsd"
SCHEMA_LOCATION = f"{PREMIS_NS} {SCHEMA_URL}"
NSMAP: dict[str | None, str] = {"premis": PREMIS_NS, "xsi": XSI_NS}

DIGEST_EVENT = "message digest calculation"
EMBED_EVENT = "metadata modification"
VALIDATION_EVENT = "validation"
EVENTS = (DIGEST_EVENT, EMBED_EVENT, VALIDATION_EVENT)
OUTCOME = "pass"
#: How the objects are identified: the bag path of the copy, the item, the original's collection path.
BAG_PATH = "bag path"
ITEM_ID = "packager item identifier"
COLLECTION_PATH = "collection path"
AGENT_ID_TYPE = "software"
UUID_TYPE = "UUID"
#: METS CHECKSUMTYPE and PREMIS messageDigestAlgorithm use BagIt's names in PREMIS, METS's own in METS.
METS_CHECKSUM = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384", "sha512": "SHA-512"}

_P = f"{{{PREMIS_NS}}}"


@dataclass(frozen=True)
class Format:
    """What a file is: PREMIS formatName and formatVersion, its PRONOM PUID when certain, its MIME type."""

    name: str
    version: str = ""
    puid: str = ""
    mime: str = "application/octet-stream"


_BY_SUFFIX = {
    ".jpg": Format("JPEG", mime="image/jpeg"), ".jpeg": Format("JPEG", mime="image/jpeg"),
    ".tif": Format("Tagged Image File Format", puid="fmt/353", mime="image/tiff"),
    ".tiff": Format("Tagged Image File Format", puid="fmt/353", mime="image/tiff"),
    # every PNG we write carries XMP in an iTXt chunk, which PNG 1.2 introduced
    ".png": Format("Portable Network Graphics", "1.2", "fmt/13", "image/png"),
    ".webp": Format("WebP", mime="image/webp"),
    ".gif": Format("Graphics Interchange Format", mime="image/gif"),
    ".heic": Format("High Efficiency Image File Format", mime="image/heic"),
    ".heif": Format("High Efficiency Image File Format", mime="image/heif"),
    ".avif": Format("AV1 Image File Format", mime="image/avif"),
}
_JFIF = {b"\x01\x00": ("1.00", "fmt/42"), b"\x01\x01": ("1.01", "fmt/43"), b"\x01\x02": ("1.02", "fmt/44")}
_GIF = {b"GIF87a": ("87a", "fmt/3"), b"GIF89a": ("89a", "fmt/4")}


def identify(file: str, header: bytes) -> Format:
    """The format of ``file`` from its name and its first bytes (32 are enough).

    A PUID is given only where the bytes settle it: JFIF 1.00-1.02 from the
    APP0 segment, GIF 87a/89a from the signature, TIFF (fmt/353) and PNG 1.2.
    Other JPEGs (Exif without JFIF), WebP, HEIF and AVIF are named without one.
    """
    dot = file.rfind(".")
    found = _BY_SUFFIX.get(file[dot:].lower() if dot >= 0 else "", Format("unknown"))
    if found.name == "JPEG" and header[:4] == b"\xff\xd8\xff\xe0" and header[6:11] == b"JFIF\x00":
        version, puid = _JFIF.get(header[11:13], (f"{header[11]}.{header[12]:02d}", ""))
        return Format("JPEG File Interchange Format", version, puid, found.mime)
    if found.name.startswith("Graphics") and header[:6] in _GIF:
        version, puid = _GIF[header[:6]]
        return Format(found.name, version, puid, found.mime)
    return found


@dataclass(frozen=True)
class FileFacts:
    """What PREMIS says of one item: measured by the run, nothing read back from the bag."""

    identifier: str  # the item identifier
    bag_path: str  # data/objects/<file>
    source_path: str  # the original, relative to the collection folder (as in originals.txt)
    size: int  # of the embedded copy
    copy_digests: Mapping[str, str]  # the manifests' digests of the copy, by algorithm
    original_digests: Mapping[str, str]  # originals.txt's digests of the original
    format: Format
    pixel_digest: str
    tags: Sequence[str] = ()  # the ExifTool tags written
    replaced: Sequence[Mapping[str, Any]] = field(default_factory=tuple)  # records.json "replaced"


def uuid_for(bag: str, identifier: str, what: str) -> str:
    """A stable UUID for ``what`` (an event, the copy, the original) of item ``identifier`` in bag ``bag``."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:x-packager:{bag}:{identifier}:{what}"))


def event_ids(bag: str, facts: FileFacts) -> dict[str, str]:
    return {name: uuid_for(bag, facts.identifier, name) for name in EVENTS}


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, _P + name)
    if text is not None:
        element.text = storable_text(text)
    return element


def _pair(parent: etree._Element, name: str, prefix: str, kind: str, value: str) -> None:
    node = _sub(parent, name)
    _sub(node, f"{prefix}Type", kind)
    _sub(node, f"{prefix}Value", value)


def _object(identifiers: Iterable[tuple[str, str]], digests: Mapping[str, str], size: int | None, fmt: Format,
            original_name: str, events: Iterable[str]) -> etree._Element:
    root = etree.Element(_P + "object", nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}type", "premis:file")
    root.set("version", VERSION)
    for kind, value in identifiers:
        _pair(root, "objectIdentifier", "objectIdentifier", kind, value)
    chars = _sub(root, "objectCharacteristics")
    _sub(chars, "compositionLevel", "0")
    for algorithm in sorted(digests):
        fixity = _sub(chars, "fixity")
        _sub(fixity, "messageDigestAlgorithm", algorithm)
        _sub(fixity, "messageDigest", digests[algorithm])
        _sub(fixity, "messageDigestOriginator", "packager")
    if size is not None:
        _sub(chars, "size", str(size))
    format_ = _sub(chars, "format")
    designation = _sub(format_, "formatDesignation")
    _sub(designation, "formatName", fmt.name)
    if fmt.version:
        _sub(designation, "formatVersion", fmt.version)
    if fmt.puid:
        registry = _sub(format_, "formatRegistry")
        _sub(registry, "formatRegistryName", "PRONOM")
        _sub(registry, "formatRegistryKey", fmt.puid)
        _sub(registry, "formatRegistryRole", "specification")
    _sub(root, "originalName", original_name)
    return _link_events(root, events)


def _link_events(root: etree._Element, events: Iterable[str]) -> etree._Element:
    for value in events:
        _pair(root, "linkingEventIdentifier", "linkingEventIdentifier", UUID_TYPE, value)
    return root


def copy_object(bag: str, facts: FileFacts) -> etree._Element:
    """The embedded copy as a premis:object, linked to its three events."""
    ids = [(UUID_TYPE, uuid_for(bag, facts.identifier, "copy")), (BAG_PATH, facts.bag_path),
           (ITEM_ID, facts.identifier)]
    return _object(ids, facts.copy_digests, facts.size, facts.format, facts.bag_path,
                   event_ids(bag, facts).values())


def original_object(bag: str, facts: FileFacts) -> etree._Element:
    """The untouched original as a premis:object (its fixity as originals.txt gives it), and how the copy
    derives from it."""
    ids = [(UUID_TYPE, uuid_for(bag, facts.identifier, "original")), (COLLECTION_PATH, facts.source_path)]
    root = _object(ids, facts.original_digests, None, facts.format, facts.source_path, ())
    relationship = _sub(root, "relationship")  # after originalName, before the event links, as PREMIS orders them
    _sub(relationship, "relationshipType", "derivation")
    _sub(relationship, "relationshipSubType", "is source of")
    _pair(relationship, "relatedObjectIdentifier", "relatedObjectIdentifier", UUID_TYPE,
          uuid_for(bag, facts.identifier, "copy"))
    return _link_events(root, [event_ids(bag, facts)[DIGEST_EVENT]])


def _digests_text(digests: Mapping[str, str]) -> str:
    return ", ".join(f"{alg} {digests[alg]}" for alg in sorted(digests))


def _replacement(entry: Mapping[str, Any]) -> str:
    new = entry.get("new")
    after = "removed" if new is None else f"now {new!r}"
    return f"replaced {entry.get('tag', '?')}: was {entry.get('old')!r}, {after}"


def events(bag: str, facts: FileFacts, date: _dt.date, software: Mapping[str, str]) -> list[etree._Element]:
    """The three events of an item, in the order they happened."""
    ids = event_ids(bag, facts)
    packager, exiftool = software.get("packager", ""), software.get("exiftool", "")
    copy_id = uuid_for(bag, facts.identifier, "copy")
    made = [
        (DIGEST_EVENT, f'program="packager"; version="{packager}"; the original {facts.source_path} was hashed as '
         f"it was read, the embedded copy {facts.bag_path} after it was written",
         [f"original: {_digests_text(facts.original_digests)}", f"embedded copy: {_digests_text(facts.copy_digests)}"],
         [("packager", "executing program")]),
        (EMBED_EVENT, f'program="ExifTool"; version="{exiftool}"; {len(facts.tags)} tag(s) written into the '
         f"embedded copy: {', '.join(facts.tags)}",
         [_replacement(entry) for entry in facts.replaced] or ["no value the image carried was replaced"],
         [("exiftool", "executing program"), ("packager", "implementer")]),
        (VALIDATION_EVENT, f'program="packager"; version="{packager}"; the embedded copy was read back with '
         "ExifTool and its pixels compared with the original's",
         [f"pixel digest {facts.pixel_digest} before and after embedding"],
         [("packager", "validator"), ("exiftool", "executing program")]),
    ]
    out = []
    for name, detail, notes, who in made:
        root = etree.Element(_P + "event", nsmap=NSMAP)
        root.set("version", VERSION)
        _pair(root, "eventIdentifier", "eventIdentifier", UUID_TYPE, ids[name])
        _sub(root, "eventType", name)
        _sub(root, "eventDateTime", date.isoformat())
        _sub(_sub(root, "eventDetailInformation"), "eventDetail", detail)
        outcome = _sub(root, "eventOutcomeInformation")
        _sub(outcome, "eventOutcome", OUTCOME)
        for note in notes:
            _sub(_sub(outcome, "eventOutcomeDetail"), "eventOutcomeDetailNote", note)
        for agent, role in who:
            link = _sub(root, "linkingAgentIdentifier")
            _sub(link, "linkingAgentIdentifierType", AGENT_ID_TYPE)
            _sub(link, "linkingAgentIdentifierValue", agent_id(agent, software))
            _sub(link, "linkingAgentRole", role)
        _pair(root, "linkingObjectIdentifier", "linkingObjectIdentifier", UUID_TYPE, copy_id)
        out.append(root)
    return out


_AGENT_NAMES = {"packager": "packager", "exiftool": "ExifTool"}


def agent_id(key: str, software: Mapping[str, str]) -> str:
    """``packager-1.2.0``, ``ExifTool-13.10``: how events name an agent."""
    return f"{_AGENT_NAMES[key]}-{software.get(key, '')}"


def agents(software: Mapping[str, str]) -> list[etree._Element]:
    """The software agents: packager and ExifTool, with their versions."""
    out = []
    for key, name in _AGENT_NAMES.items():
        root = etree.Element(_P + "agent", nsmap=NSMAP)
        root.set("version", VERSION)
        _pair(root, "agentIdentifier", "agentIdentifier", AGENT_ID_TYPE, agent_id(key, software))
        _sub(root, "agentName", name)
        _sub(root, "agentType", "software")
        _sub(root, "agentVersion", software.get(key, ""))
        out.append(root)
    return out


def element_bytes(element: etree._Element) -> bytes:
    """One element as UTF-8, indented two spaces, its namespaces declared on it."""
    etree.indent(element, space="  ")
    data: bytes = etree.tostring(element, encoding="UTF-8") + b"\n"
    return data


class PremisXml:
    """``premis.xml`` written streaming: :meth:`add` each item (objects and events go to two temporary
    files), then :meth:`finish` writes the document: every object, every event, the agents."""

    def __init__(self, bag: str, date: _dt.date, software: Mapping[str, str]) -> None:
        self._bag, self._date, self._software = bag, date, software
        self._objects = tempfile.TemporaryFile(prefix="packager-premis-objects-")  # noqa: SIM115 - close()
        self._events = tempfile.TemporaryFile(prefix="packager-premis-events-")  # noqa: SIM115 - close()

    def add(self, facts: FileFacts) -> None:
        self._objects.write(element_bytes(copy_object(self._bag, facts)))
        for event in events(self._bag, facts, self._date, self._software):
            self._events.write(element_bytes(event))

    def finish(self, out: IO[bytes]) -> None:
        """Write the whole document to the binary file ``out``."""
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                  + f'<premis:premis xmlns:premis="{PREMIS_NS}" xmlns:xsi="{XSI_NS}" '
                    f'xsi:schemaLocation="{SCHEMA_LOCATION}" version="{VERSION}">\n'.encode())
        for part in (self._objects, self._events):
            part.seek(0)
            while chunk := part.read(1 << 20):
                out.write(chunk)
        for agent in agents(self._software):
            out.write(element_bytes(agent))
        out.write(b"</premis:premis>\n")

    def close(self) -> None:
        self._objects.close()
        self._events.close()

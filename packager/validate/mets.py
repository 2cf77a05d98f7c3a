"""mets.xml and premis.xml on the receiving side: read with lxml, never with the writer's code.

For a bag of ours (bag-info names packager), :func:`check_mets`:

* tells a bag made before packager wrote METS apart from one that lost it: a
  bag with neither ``mets.xml`` nor ``premis.xml`` is an older bag of ours
  (W621, a warning: those releases wrote neither); one with only one of the two
  has lost the other (E621 / E624);
* validates ``mets.xml`` against the shipped METS schema (and the XLink schema
  it imports) while reading it as a stream, and each PREMIS object, event and
  agent inside it against the shipped PREMIS 3 schema (E621);
* checks that the fileSec lists every payload image and nothing else (E621),
  that each file has a structMap div pointing to its dmdSec (E621), and an
  amdSec whose PREMIS object of the copy gives the manifests' digests (E622)
  and whose PREMIS object of the original gives originals.txt's (E623);
* compares metadata.csv's collection row with the collection's dmdSec (E625);
* validates ``premis.xml`` against the PREMIS 3 schema and checks that its
  objects are the payload images, by ``originalName``, with the manifests'
  digests (E624).

Other tools' bags: a mets.xml or premis.xml at our paths is not checked (their
METS need not follow ours; the BagIt layer still checks their bytes). The documents are read with :func:`lxml.etree.iterparse`, each
section dropped once checked; what is kept per file is its path and a few
identifiers, and each amdSec's digests wait in the bag's :class:`~.spill.Spill`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from functools import cache
from typing import IO
from urllib.parse import unquote

from lxml import etree

from packager import schemas
from packager.errors import SourceError
from packager.metadata.layout import METS_PATH, OBJECTS_DIR, ORIGINALS_PATH, PREMIS_PATH
from packager.metadata.originals import parse_line

from .manifest import Manifest, find_manifests, read_manifest_stream
from .metabag import OBJECTS_PREFIX, _Bag
from .metacsv import _Table, fingerprint
from .spill import Spill
from .tags import read_declaration

#: Largest mets.xml / premis.xml read (a few KiB per image: 100,000 images make about 1 GiB).
LIMIT = 8 << 30
METS_NS = "http://www.loc.gov/METS/"
PREMIS_NS = "http://www.loc.gov/premis/v3"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
METS_XSD = "mets/mets.xsd"
PREMIS_XSD = "premis/premis-v3-0.xsd"
_BASE = "packager-schemas:///"
_SHIPPED = {"http://www.loc.gov/standards/xlink/xlink.xsd": "mets/xlink.xsd"}
#: METS with PREMIS 3 beside it, so that the PREMIS in each amdSec (lax in METS's xmlData) is validated
#: too: a PREMIS element whose schema is known is checked strictly, and ``xsi:type="premis:file"`` resolves.
_METS_WITH_PREMIS = (
    '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
    f'<xs:import namespace="{METS_NS}" schemaLocation="{_BASE}{METS_XSD}"/>'
    f'<xs:import namespace="{PREMIS_NS}" schemaLocation="{_BASE}{PREMIS_XSD}"/>'
    "</xs:schema>").encode()
_M, _P = f"{{{METS_NS}}}", f"{{{PREMIS_NS}}}"
_AMD, _ORIGINALS = "mets-amd", "mets-originals"


class _Resolver(etree.Resolver):
    """Serves the XLink schema METS imports from the package; nothing reaches the network."""

    def resolve(self, system_url: str, public_id: str, context: object) -> object:
        url = system_url or ""
        name = _SHIPPED.get(url) or (url[len(_BASE):] if url.startswith(_BASE) else None)
        return None if name is None else self.resolve_string(schemas.read_bytes(name), context, base_url=url)


@cache
def schema(name: str) -> etree.XMLSchema:
    """The shipped schema ``name`` (PREMIS_XSD; for METS_XSD, METS with PREMIS), imports served from the package."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Resolver())
    data = _METS_WITH_PREMIS if name == METS_XSD else schemas.read_bytes(name)
    return etree.XMLSchema(etree.parse(io.BytesIO(data), parser, base_url=_BASE + "driver.xsd"))


def _elements(fh: IO[bytes], name: str, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """The ``tags`` elements of a document, each when complete, validated against schema ``name``
    as it is read; each is cleared after the caller is done with it. Raises XMLSyntaxError."""
    # (no resolve_entities=False here: with a schema, lxml then stops reporting errors such as a truncated
    # document; no DTD is loaded, nothing is fetched, and libxml2's limits on entity expansion stay on)
    for _event, element in etree.iterparse(fh, events=("end",), tag=tags, schema=schema(name), no_network=True):
        yield element
        if element.getparent() is not None and element.tag != _M + "div":
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]


def _text(element: etree._Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _fixity(obj: etree._Element) -> dict[str, str]:
    return {_text(f.find(_P + "messageDigestAlgorithm")).lower(): _text(f.find(_P + "messageDigest")).lower()
            for f in obj.iter(_P + "fixity")}


class _Check:
    def __init__(self, bag: _Bag, table: _Table, store: Spill) -> None:
        self.bag, self.table, self.store = bag, table, store
        self.images = sorted(p for p in bag.listing.files if p.startswith(OBJECTS_PREFIX))
        self.manifests = self._manifests()

    def _manifests(self) -> list[Manifest]:
        out: list[Manifest] = []
        decl = read_declaration(self.bag.source, [])
        top = [p for p in self.bag.listing.files if "/" not in p]
        for name in find_manifests(top)[0]:
            try:
                with self.bag.source.open(name, limit=None) as fh:
                    out.append(read_manifest_stream(name, fh, decl, []))
            except (SourceError, OSError):
                continue  # the BagIt layer reports it
        return out

    def manifest(self, path: str) -> dict[str, str]:
        found = {}
        for m in self.manifests:
            if m.algorithm and path in m.entries:
                digest = m.entries[path].digest
                if digest:
                    found[m.algorithm] = digest
        return found

    def compare(self, code: str, what: str | None, path: str, file: str, claimed: Mapping[str, str]) -> None:
        for algorithm, expected in sorted(self.manifest(file).items()):
            actual = claimed.get(algorithm)
            if actual is not None and actual != expected:
                self.bag.report(code, what, path, file=file, algorithm=algorithm, actual=actual, expected=expected)

    # --- originals.txt, by path, on disk --------------------------------------------------------------

    def read_originals(self) -> None:
        stream = self.bag.stream(ORIGINALS_PATH, LIMIT, "E605") if self.bag.present(ORIGINALS_PATH) else None
        if stream is None:
            return
        try:
            with stream as fh:
                for raw in fh:
                    entries: dict[str, dict[str, str]] = {}
                    if parse_line(raw.decode("utf-8", "replace").rstrip("\n"), entries) is None:
                        for path, digests in entries.items():
                            known = self.store.get(_ORIGINALS, path, {})
                            self.store.put(_ORIGINALS, path, {**known, **digests})
        except (SourceError, OSError):
            return  # the sidecar checks report it

    # --- mets.xml -------------------------------------------------------------------------------------

    def mets(self) -> None:
        stream = self.bag.stream(METS_PATH, LIMIT, "E621")
        if stream is None:
            return
        self.read_originals()
        dmd: set[str] = set()
        files: dict[str, str] = {}  # file ID -> bag path
        with_div: set[str] = set()
        collection: list[tuple[str, str]] | None = None
        tags = (_M + "dmdSec", _M + "amdSec", _M + "file", _M + "div")
        try:
            with stream as fh:
                for el in _elements(fh, METS_XSD, tags):
                    if el.tag == _M + "dmdSec":
                        dmd.add(el.get("ID", ""))
                        self.store.put("mets-dmd", el.get("ID", ""), _dc_pairs(el))
                    elif el.tag == _M + "amdSec":
                        self.amd_sec(el)
                    elif el.tag == _M + "file":
                        self.file(el, files)
                    elif el.get("TYPE") == "Item":
                        self.item_div(el, dmd, files, with_div)
                    elif el.get("TYPE") == "Directory" and el.getparent().tag == _M + "structMap":
                        ids = el.get("DMDID", "").split()
                        collection = self.store.get("mets-dmd", ids[0]) if ids else None
        except etree.XMLSyntaxError as exc:
            self.bag.report("E621", "invalid", METS_PATH, schema=schemas.label(METS_XSD), error=_short(exc))
            return
        except (SourceError, OSError) as exc:
            self.bag.unreadable(METS_PATH, "E621", exc)
            return
        listed = set(files.values())
        for image in self.images:
            if image not in listed:
                self.bag.report("E621", "not_in_filesec", METS_PATH, file=image)
        for file_id, image in sorted(files.items(), key=lambda pair: pair[1]):
            if file_id not in with_div:
                self.bag.report("E621", "no_dmdsec", METS_PATH, file=image)
        self.collection(collection)

    def amd_sec(self, el: etree._Element) -> None:
        objects = {}
        for md in el.iter(_P + "object"):
            if md.tag == _P + "object":
                identifiers = {_text(i.find(_P + "objectIdentifierType")): _text(i.find(_P + "objectIdentifierValue"))
                               for i in md.findall(_P + "objectIdentifier")}
                role = "copy" if "bag path" in identifiers else "original"
                objects[role] = [_text(md.find(_P + "originalName")), _fixity(md)]
        self.store.put(_AMD, el.get("ID", ""), {"objects": objects})

    def file(self, el: etree._Element, files: dict[str, str]) -> None:
        locat = el.find(_M + "FLocat")
        href = unquote(locat.get(XLINK_HREF, "")) if locat is not None else ""  # a URI reference: %-encoded
        files[el.get("ID", "")] = href
        if href in self.bag.listing.refused:
            return  # never read (a link out of the bag, a special file): the BagIt layer reports it
        if href not in self.bag.listing.files or not href.startswith(OBJECTS_PREFIX):
            self.bag.report("E621", "not_in_payload", METS_PATH, file=href)
            return
        amd = next((self.store.get(_AMD, i) for i in el.get("ADMID", "").split() if (_AMD, i) in self.store), None)
        objects = amd["objects"] if amd else {}
        if "copy" not in objects:
            self.bag.report("E621", "no_amdsec", METS_PATH, file=href)
            return
        self.compare("E622", None, METS_PATH, href, objects["copy"][1])
        if "original" in objects:
            self.original(href, objects["original"][0], objects["original"][1])

    def original(self, href: str, name: str, claimed: Mapping[str, str]) -> None:
        listed: dict[str, str] = self.store.get(_ORIGINALS, name, {})
        if not listed:
            self.bag.report("E623", "not_listed", METS_PATH, file=href, original=name)
            return
        for algorithm, expected in sorted(listed.items()):
            actual = claimed.get(algorithm)
            if actual is not None and actual != expected:
                self.bag.report("E623", "differs", METS_PATH, original=name, algorithm=algorithm, actual=actual,
                                expected=expected)

    def item_div(self, el: etree._Element, dmd: set[str], files: dict[str, str], with_div: set[str]) -> None:
        ids = el.get("DMDID", "").split()
        for fptr in el.findall(_M + "fptr"):
            file_id = fptr.get("FILEID", "")
            if file_id in files and ids and all(i in dmd for i in ids):
                with_div.add(file_id)

    def collection(self, described: list[tuple[str, str]] | None) -> None:
        table, row = self.table, self.table.collection
        if not table.usable:
            return
        if row is None:
            self.bag.report("E625", "missing", None, row=OBJECTS_DIR)
            return
        if described is not None and fingerprint(row[1]) != fingerprint(described):
            only_csv = sorted(set(row[1]) - set(described))
            only_mets = sorted(set(described) - set(row[1]))
            difference = "; ".join(filter(None, [
                f"only metadata.csv has {_pairs_text(only_csv)}" if only_csv else "",
                f"only mets.xml has {_pairs_text(only_mets)}" if only_mets else ""])) or "the values repeat differently"
            self.bag.report("E625", "differs", None, line=row[0], row=OBJECTS_DIR, difference=difference)

    # --- premis.xml -----------------------------------------------------------------------------------

    def premis(self) -> None:
        stream = self.bag.stream(PREMIS_PATH, LIMIT, "E624")
        if stream is None:
            return
        named: set[str] = set()
        try:
            with stream as fh:
                for el in _elements(fh, PREMIS_XSD, (_P + "object",)):
                    name = _text(el.find(_P + "originalName"))
                    if name in self.bag.listing.refused:
                        continue  # reported by the BagIt layer, never read
                    if name not in self.bag.listing.files or not name.startswith(OBJECTS_PREFIX):
                        self.bag.report("E624", "unknown_file", PREMIS_PATH, name=name)
                        continue
                    named.add(name)
                    self.compare("E624", "fixity", PREMIS_PATH, name, _fixity(el))
        except etree.XMLSyntaxError as exc:
            self.bag.report("E624", "invalid", PREMIS_PATH, schema=schemas.label(PREMIS_XSD), error=_short(exc))
            return
        except (SourceError, OSError) as exc:
            self.bag.unreadable(PREMIS_PATH, "E624", exc)
            return
        for image in self.images:
            if image not in named:
                self.bag.report("E624", "no_object", PREMIS_PATH, file=image)


def _dc_pairs(dmd_sec: etree._Element) -> list[tuple[str, str]]:
    """The Dublin Core of a dmdSec as (``dc.title``, value) pairs, in document order."""
    prefixes = {DC_NS: "dc", DCTERMS_NS: "dcterms"}
    out = []
    for wrap in dmd_sec.iter(f"{{{DCTERMS_NS}}}dublincore"):
        for child in wrap:
            namespace, _, local = str(child.tag).lstrip("{").partition("}")
            if namespace in prefixes and child.text:
                out.append((f"{prefixes[namespace]}.{local}", child.text))
    return out


def _pairs_text(pairs: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{name}={value[:40]!r}" for name, value in pairs[:3])
    return shown + (f" and {len(pairs) - 3} more" if len(pairs) > 3 else "")


def _short(exc: etree.XMLSyntaxError) -> str:
    line = getattr(exc, "lineno", None) or (exc.position[0] if exc.position else None)
    message = str(exc.msg if hasattr(exc, "msg") and exc.msg else exc)
    return f"line {line}: {message[:300]}" if line else message[:300]


def check_mets(bag: _Bag, table: _Table, store: Spill) -> None:
    """mets.xml and premis.xml of a bag (see the module's text); problems go to ``bag.found``."""
    has_mets, has_premis = bag.present(METS_PATH), bag.present(PREMIS_PATH)
    if not bag.ours:
        return  # another tool's METS need not follow ours: not checked
    if not has_mets and not has_premis:
        bag.report("W621", None, METS_PATH)
        return
    check = _Check(bag, table, store)
    if has_mets:
        check.mets()
    else:
        bag.report("E621", "missing", METS_PATH, other=PREMIS_PATH)
    if has_premis:
        check.premis()
    else:
        bag.report("E624", "missing", PREMIS_PATH, other=METS_PATH)
    for kind in ("mets-dmd", _AMD, _ORIGINALS):
        store.drop(kind)

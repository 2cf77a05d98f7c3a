"""The metadata layer of bag validation.

For a bag that carries ``data/metadata/metadata.csv`` (ours, or any
Archivematica-style bag), check that the sidecars agree with the payload and
with each other, and that the metadata embedded in each image says what the
sidecar records say. Everything is re-read from disk; nothing written by the
packager is trusted. This module never imports the bag writer.

A bag whose bag-info names packager as its maker must carry the whole layout
(metadata.csv, dc/, originals.txt, records.json with a pixel digest per image):
a missing piece is an error, not a reason to check less. Only files inside the
bag are read, never a special file (a FIFO would block), and images are read
in batches, so memory stays flat in the number of images and one image
ExifTool cannot read is reported on its own (E606) without hiding the others.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from . import crosswalk, issues, sidecars, tagvalues
from .errors import PackagerError
from .imaging import pixel_digest
from .model import WARNING, Issue

METADATA_DIR = Path("data/metadata")
CSV_PATH = METADATA_DIR / "metadata.csv"
DC_DIR = METADATA_DIR / "dc"
ORIGINALS_PATH = METADATA_DIR / "originals.txt"
RECORDS_PATH = METADATA_DIR / "records.json"
COLLECTION_RECORD = "collection.xml"
OBJECTS_PREFIX = "data/objects/"
ReadTags = Callable[[list[Path]], list[dict[str, Any]]]
#: Images whose embedded tags are read at once: memory stays flat in the number
#: of images, and a batch ExifTool fails on is retried image by image.
READ_BATCH = 100


def applies(bag: Path) -> bool:
    """True when the bag carries a metadata layer we know how to check, or should (ours)."""
    return (bag / CSV_PATH).is_file() or is_ours(bag)


def check(bag: Path, read_tags: ReadTags | None) -> list[Issue]:
    """Every metadata problem in the bag.

    ``read_tags`` reads embedded tags (ExifTool); without it only the
    sidecars are compared with each other (no image is decoded or read).
    """
    links = [rel for rel in ("data", str(METADATA_DIR), OBJECTS_PREFIX.rstrip("/")) if (bag / rel).is_symlink()]
    if links:  # what lies behind could be anywhere: read nothing (the BagIt layer reports the link too)
        return [issues.make("E602", path=links[0], detail=f"{links[0]} is a symbolic link, so the metadata layer "
                                                         "was not checked; replace the link with the folder itself")]
    found: list[Issue] = []
    rows = _read_csv(bag, found)
    ours = is_ours(bag)
    if ours or (bag / DC_DIR).is_dir():
        found.extend(_check_dc_records(bag, rows))
    if ours or (bag / ORIGINALS_PATH).is_file():
        found.extend(_check_originals(bag, rows if ours else None))
    if ours and not (bag / RECORDS_PATH).is_file():
        found.append(issues.make("E602", path=str(RECORDS_PATH),
                                 detail=f"{RECORDS_PATH} (the full records, with each image's pixel digest) is "
                                        "missing from a bag written by packager; package the collection again"))
    records = _load_records(bag, found)
    found.extend(_check_records_json(records, rows, bag, pixels=read_tags is not None, ours=ours))
    if read_tags is not None and rows:
        written = _written_tags(records) if ours else {}
        embedded = _check_embedded(bag, rows, read_tags, written)
        # Another depositor's images need not embed what its metadata.csv says:
        # there a disagreement is worth a warning, in our bags it is an error.
        found.extend(embedded if ours else [_as_warning(i) for i in embedded])
    return found


def _as_warning(issue: Issue) -> Issue:
    """The warning twin (W603, W604, W606, W609) of an embedded-metadata error."""
    return replace(issue, code="W" + issue.code[1:], severity=WARNING,
                   message=issue.message + " (bag not written by packager)")


def is_ours(bag: Path) -> bool:
    """True for a bag this packager wrote (its bag-info names the packager as agent)."""
    target = bag / "bag-info.txt"
    if not target.is_file():  # a FIFO would block; the BagIt layer reports it
        return False
    try:
        info = target.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return any(line.startswith("Bag-Software-Agent: packager ") for line in info.splitlines())


def _read_csv(bag: Path, found: list[Issue]) -> dict[str, list[tuple[str, str]]]:
    """metadata.csv rows by filename; problems with rows against the payload."""
    path = str(CSV_PATH)
    if not (bag / CSV_PATH).is_file():
        found.append(issues.make("E602", path=path, detail=f"{CSV_PATH} is missing, but bag-info.txt names packager "
                                                         "as the bag's maker and packager always writes it; "
                                                         "package the collection again"))
        return {}
    try:
        parsed = sidecars.parse_metadata_csv((bag / CSV_PATH).read_bytes())
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        found.append(issues.make("E602", path=path, detail=f"metadata.csv: cannot be parsed ({exc}); it must be UTF-8 CSV "
                                                         "with a 'filename' column"))
        return {}
    rows: dict[str, list[tuple[str, str]]] = {}
    for filename, pairs in parsed:
        if filename in rows:
            found.append(issues.make("E602", path=path, detail=f"metadata.csv: {filename} has more than one row; keep one"))
        elif not filename.startswith(OBJECTS_PREFIX) or not _inside(bag, filename):
            found.append(issues.make("E602", path=path, detail=f"metadata.csv: row {filename!r} does not name a file under "
                                                             f"{OBJECTS_PREFIX}; write data/objects/<name>"))
            continue  # never read: it could name a file outside the bag
        elif not (bag / filename).is_file():
            found.append(issues.make("E602", path=path, detail=f"metadata.csv: row {filename} names a file that is not in "
                                                             "the payload; remove the row or restore the file"))
        rows.setdefault(filename, pairs)
    objects = bag / "data" / "objects"
    if objects.is_dir():
        for file in sorted(p for p in objects.rglob("*") if p.is_file()):
            rel = file.relative_to(bag).as_posix()
            if rel not in rows:
                found.append(issues.make("E602", path=path, detail=f"metadata.csv: payload file {rel} has no row; "
                                                                 "every object needs its description"))
    return {name: pairs for name, pairs in rows.items() if (bag / name).is_file()}


def _inside(bag: Path, filename: str) -> bool:
    """True if a row's filename is a plain path that stays inside the bag (no '..', no link out)."""
    if any(part in ("", ".", "..") for part in filename.split("/")):
        return False
    return (bag / filename).resolve().is_relative_to(bag.resolve())


def _identifier(pairs: list[tuple[str, str]]) -> str | None:
    return next((v for k, v in pairs if k == "dc.identifier"), None)


def _check_dc_records(bag: Path, rows: dict[str, list[tuple[str, str]]]) -> list[Issue]:
    found: list[Issue] = []
    dc_dir = bag / DC_DIR
    if not dc_dir.is_dir():
        return [issues.make("E602", path=str(DC_DIR), detail="the Dublin Core records folder is missing")]
    by_identifier = {_identifier(pairs): name for name, pairs in rows.items()}
    for record in sorted(dc_dir.glob("*.xml")):
        if not record.is_file():
            continue  # a FIFO or device would block; the BagIt layer reports it
        rel = record.relative_to(bag).as_posix()
        data = record.read_bytes()
        errors = sidecars.validate_dc_record(data)
        for message in errors:
            found.append(issues.make("E601", path=rel, file=rel, schema="schemas/dc", detail=message))
        if errors or record.name == COLLECTION_RECORD:
            continue
        try:
            pairs = sidecars.parse_dc_record(data)
        except ValueError as exc:  # schema-valid but not shaped as we read it: report, never crash
            found.append(issues.make("E601", path=rel, file=rel, schema="schemas/dc", detail=str(exc)))
            continue
        name = by_identifier.pop(_identifier(pairs), None)
        if name is None:
            found.append(issues.make("E602", path=rel, detail=f"{rel} describes {_identifier(pairs)!r}, "
                                                            "which has no row in metadata.csv"))
        elif sorted(pairs) != sorted(rows[name]):
            diff = _first_difference(sorted(pairs), sorted(rows[name]))
            found.append(issues.make("E602", path=rel, detail=f"{rel} and the metadata.csv row for {name} "
                                                            f"disagree: {diff}"))
    for identifier, name in by_identifier.items():
        found.append(issues.make("E602", path=name, detail=f"{name} ({identifier}) has no Dublin Core record "
                                                         f"in {DC_DIR}"))
    if not (dc_dir / COLLECTION_RECORD).is_file():
        found.append(issues.make("E602", path=str(DC_DIR / COLLECTION_RECORD),
                                 detail="the collection's Dublin Core record is missing"))
    return found


def _first_difference(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> str:
    only_a = [p for p in a if p not in b]
    only_b = [p for p in b if p not in a]
    if only_a:
        return f"record has {only_a[0][0]}={only_a[0][1]!r}"
    return f"metadata.csv has {only_b[0][0]}={only_b[0][1]!r}"


def _check_originals(bag: Path, rows: dict[str, list[tuple[str, str]]] | None) -> list[Issue]:
    """The originals checksum file; with ``rows`` (our bags) every object must have its entry."""
    path = bag / ORIGINALS_PATH
    if not path.is_file():
        return [issues.make("E605", path=str(ORIGINALS_PATH),
                            detail=f"{ORIGINALS_PATH} (checksums of the untouched originals) is missing")]
    entries, problems = sidecars.parse_originals_manifest(path.read_bytes())
    found = [issues.make("E605", path=str(ORIGINALS_PATH), detail=f"{ORIGINALS_PATH}: {p}") for p in problems]
    if rows is None:
        return found
    # Our writer names each original <image folder>/<path under data/objects/>.
    originals = [name for name, _digests in entries]
    for payload in sorted(rows):
        rel = payload[len(OBJECTS_PREFIX):]
        if not any(name == rel or name.endswith("/" + rel) for name in originals):
            found.append(issues.make("E605", path=str(ORIGINALS_PATH),
                                     detail=f"{ORIGINALS_PATH} has no checksum of the original of {payload}; "
                                            "the chain of custody is broken: package the collection again"))
    objects = [payload[len(OBJECTS_PREFIX):] for payload in rows]
    for name in originals:
        if not any(name == rel or name.endswith("/" + rel) for rel in objects):
            found.append(issues.make("E605", path=str(ORIGINALS_PATH),
                                     detail=f"{ORIGINALS_PATH} lists the original {name}, but the bag has no object "
                                            "made from it: an item was removed after packaging; ask the "
                                            "depositor for the complete package"))
    return found


def _load_records(bag: Path, found: list[Issue]) -> list[dict[str, Any]] | None:
    """The items of records.json, or None when it is absent or unusable (reported)."""
    path = bag / RECORDS_PATH
    where = str(RECORDS_PATH)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} is not valid JSON: {exc}"))
        return None
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} has no 'items' list of records"))
        return None
    return items


def _written_tags(records: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]]:
    """The tag set records.json says was embedded, by payload path."""
    return {str(item.get("payload")): item["tags"] for item in records or ()
            if isinstance(item.get("tags"), dict)}


def _check_records_json(items: list[dict[str, Any]] | None, rows: dict[str, list[tuple[str, str]]], bag: Path,
                        pixels: bool, ours: bool = False) -> list[Issue]:
    """records.json (our full records) must agree with metadata.csv, describe every
    row and, when ``pixels``, each image must still decode to its original's pixel
    digest (which our bags give for every image)."""
    where = str(RECORDS_PATH)
    if items is None:
        return []
    found: list[Issue] = []
    described = {str(item.get("payload", "")) for item in items}
    for name in sorted(set(rows) - described):
        found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} has no record of {name}, which has a "
                                                          "row in metadata.csv; package the collection again"))
    for item in items:
        payload = str(item.get("payload", ""))
        if payload not in rows:
            found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} describes {payload or '?'}, "
                                                              "which has no row in metadata.csv"))
            continue
        listed = item.get("dublin_core")
        pairs = sorted((str(p.get("element")), str(p.get("value")))
                       for p in (listed if isinstance(listed, list) else []) if isinstance(p, dict))
        if pairs != sorted(rows[payload]):
            diff = _first_difference(pairs, sorted(rows[payload]))
            found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} and metadata.csv disagree "
                                                              f"about {payload}: {diff}"))
        expected = item.get("pixel_sha256")
        if pixels and expected:
            found.extend(_check_pixels(bag, payload, str(expected)))
        elif ours and not expected:
            found.append(issues.make("E602", path=where, detail=f"{RECORDS_PATH} gives no pixel digest "
                                                              f"(pixel_sha256) for {payload}, so its pixels cannot "
                                                              "be proven unchanged; package the collection again"))
    return found


def _check_pixels(bag: Path, payload: str, expected: str) -> list[Issue]:
    try:
        actual = pixel_digest(bag / payload)
    except PackagerError as exc:
        return [issues.make("E606", path=payload, file=payload, detail=f"cannot decode the image: {exc.message}")]
    if actual != expected:
        return [issues.make("E607", path=payload, file=payload, actual=actual[:16], expected=expected[:16])]
    return []


def _read_batch(bag: Path, names: list[str], read_tags: ReadTags) -> list[dict[str, Any] | str]:
    """Tags of each image, or why they could not be read; one bad image spoils only itself."""
    try:
        tags = read_tags([bag / name for name in names])
        if len(tags) == len(names):
            return list(tags)
    except Exception as exc:  # noqa: BLE001 - any failure: retry one by one, or report
        if len(names) == 1:
            return [str(getattr(exc, "message", None) or exc)]
    if len(names) == 1:
        return ["the reader returned no record"]
    return [result for name in names for result in _read_batch(bag, [name], read_tags)]


def _check_embedded(bag: Path, rows: dict[str, list[tuple[str, str]]], read_tags: ReadTags,
                    written: dict[str, dict[str, Any]]) -> list[Issue]:
    names = sorted(rows)
    found: list[Issue] = []
    for start in range(0, len(names), READ_BATCH):
        batch = names[start:start + READ_BATCH]
        for name, tags in zip(batch, _read_batch(bag, batch, read_tags), strict=True):
            problems = _check_one_image(name, rows[name], tags)
            if name in written and isinstance(tags, dict) and not tags.get("ExifTool:Error"):
                problems += _compare_written(name, written[name], tags)
            found.extend(problems)
    return found


def _compare_written(name: str, written: dict[str, Any], tags: dict[str, Any]) -> list[Issue]:
    """E610 for each embedded tag that differs from the tag set records.json says
    was written, beyond what the Dublin Core and mirror checks already cover
    (locations and their identifiers, credit, the IIM marker and digest)."""
    covered = _dc_covered_tags() | {"Photoshop:IPTCDigest"}  # a stale digest follows from an IIM change
    return [i for i in tagvalues.compare(written, tags, name, code="E610") if i.field not in covered]


@lru_cache(maxsize=1)
def _dc_covered_tags() -> frozenset[str]:
    checked = crosswalk.embedded_dc_elements()
    return frozenset(tag for m in crosswalk.load().mappings if m.dc in checked and m.source != "location"
                     and m.field != "locations" for tag in (m.xmp, m.iim, m.exif) if tag)


def _check_one_image(name: str, pairs: list[tuple[str, str]], tags: dict[str, Any] | str) -> list[Issue]:
    error = tags if isinstance(tags, str) else tags.get("ExifTool:Error")
    if error:
        return [issues.make("E606", path=name, file=name,
                            detail=f"its embedded metadata could not be read ({error}); if the image is damaged, "
                                   "restore it from the depositor's copy, otherwise validate again")]
    assert isinstance(tags, dict)
    checked = crosswalk.embedded_dc_elements()
    expected = sorted(p for p in pairs if p[0] in checked)
    actual = sorted(crosswalk.tags_to_dc(tags))
    return _compare_elements(name, expected, actual) + _compare_mirrors(name, tags)


def _compare_elements(name: str, expected: list[tuple[str, str]], actual: list[tuple[str, str]]) -> list[Issue]:
    found = []
    for element in sorted({k for k, _ in expected} | {k for k, _ in actual}):
        want = [v for k, v in expected if k == element]
        got = [v for k, v in actual if k == element]
        if want != got:
            found.append(issues.make("E603", path=name, field=element, file=name, tag=f"XMP for {element}",
                                     actual=_show(got), expected=_show(want)))
    return found


def _show(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


def _compare_mirrors(name: str, tags: dict[str, Any]) -> list[Issue]:
    """IIM must be the XMP clipped to its limit; EXIF text must equal XMP."""
    found = []
    iim_present = any(key.startswith("IPTC:") for key in tags)
    for m, want in crosswalk.iim_expectations(tags):
        if not iim_present:
            break
        if not want:
            continue  # nothing of ours to mirror; an original's own IIM is not ours to judge
        raw = tags.get(m.iim)
        got = [str(v) for v in (raw if isinstance(raw, list) else [raw] if raw not in (None, "") else [])]
        if got != want:
            found.append(issues.make("E604", path=name, field=m.field, file=name, tag=m.iim,
                                     actual=_show(got), expected=_show(want), limit=m.iim_bytes))
    for m in crosswalk.load().mappings:
        if m.exif and m.xmp and m.source != "location":
            xmp = tags.get(m.xmp)
            want_text = "; ".join(str(v) for v in (xmp if isinstance(xmp, list) else [xmp] if xmp else []))
            if not want_text:
                continue
            got_text = str(tags.get(m.exif, "") or "")
            if want_text != got_text:
                found.append(issues.make("E609", path=name, field=m.field, file=name, tag=m.exif,
                                         actual=got_text, expected=want_text))
    return found

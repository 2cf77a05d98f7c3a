"""Where everything sits in a bag this packager writes, and how such a bag names its maker.

One definition for the writer (``packager.pipeline``, ``packager.bag``) and the
validator (``packager.validate.metacheck``)::

    <bag>/bagit.txt, bag-info.txt, manifest-sha256.txt, manifest-sha512.txt, tagmanifest-*.txt
    <bag>/data/objects/<file>            the embedded copies, named as in the collection
    <bag>/data/metadata/metadata.csv     one row per object (Archivematica layout)
    <bag>/data/metadata/dc/<id>.xml      one Dublin Core record per object, and collection.xml
    <bag>/data/metadata/originals.txt    checksums of the untouched originals
    <bag>/data/metadata/records.json     the records as packaged, with the pixel digests
    <bag>/data/metadata/excluded.csv     what --skip-failed left out, and why (only when it did)
    <bag>/data/metadata/mets.xml         one METS document for the package, with PREMIS 3 in each file's amdSec
    <bag>/data/metadata/premis.xml       the PREMIS objects, events and agents, where Archivematica loads them

Paths without ``data/`` are relative to the payload folder (as the bag writer takes
them); the ``*_PATH`` forms are relative to the bag.
"""

from __future__ import annotations

import hashlib
import re

#: Checksum algorithms of our manifests, tag manifests and originals.txt, strongest last.
ALGORITHMS = ("sha256", "sha512")
#: Hex digits of a digest, by algorithm.
HEX_DIGITS = {name: hashlib.new(name).digest_size * 2 for name in ALGORITHMS}

PAYLOAD_DIR = "data"
OBJECTS = "objects"
METADATA = "metadata"
DC = f"{METADATA}/dc"
CSV = f"{METADATA}/metadata.csv"
ORIGINALS = f"{METADATA}/originals.txt"
RECORDS = f"{METADATA}/records.json"
EXCLUDED = f"{METADATA}/excluded.csv"  # only in a bag made with --skip-failed that left something out
METS = f"{METADATA}/mets.xml"
PREMIS = f"{METADATA}/premis.xml"
COLLECTION_RECORD = "collection.xml"  # in DC, beside the items' records

OBJECTS_DIR = f"{PAYLOAD_DIR}/{OBJECTS}"
METADATA_DIR = f"{PAYLOAD_DIR}/{METADATA}"
DC_DIR = f"{PAYLOAD_DIR}/{DC}"
CSV_PATH = f"{PAYLOAD_DIR}/{CSV}"
ORIGINALS_PATH = f"{PAYLOAD_DIR}/{ORIGINALS}"
RECORDS_PATH = f"{PAYLOAD_DIR}/{RECORDS}"
EXCLUDED_PATH = f"{PAYLOAD_DIR}/{EXCLUDED}"
METS_PATH = f"{PAYLOAD_DIR}/{METS}"
PREMIS_PATH = f"{PAYLOAD_DIR}/{PREMIS}"

#: The key of an item's pixel digest (SHA-256 of the decoded pixels) in records.json.
PIXEL_DIGEST_KEY = "pixel_sha256"

#: The BagIt profile our bags declare (``packager/schemas/bagit-profile.json``).
PROFILE_ID = "urn:x-packager:bagit-profile:photo-collection:1.0"

#: How ``Bag-Software-Agent`` names this packager; a bag that says so is checked as ours.
AGENT = "packager"
_AGENT_LINE = re.compile(rf"^Bag-Software-Agent:[ \t]*{AGENT}(?:[ \t\r]|$)", re.MULTILINE)


def software_agent(version: str, exiftool_version: str, crosswalk_version: str) -> str:
    """The ``Bag-Software-Agent`` value of a bag we write."""
    return f"{AGENT} {version} (ExifTool {exiftool_version}; crosswalk {crosswalk_version})"


def names_us(bag_info: str) -> bool:
    """True when the text of a bag-info.txt names this packager as the bag's maker."""
    return _AGENT_LINE.search(bag_info) is not None


def object_path(file: str) -> str:
    """The bag path of the embedded copy of a collection file."""
    return f"{OBJECTS_DIR}/{file}"

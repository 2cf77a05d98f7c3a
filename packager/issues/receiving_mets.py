"""Codes 621-629: ``mets.xml`` and ``premis.xml`` in a bag (:mod:`packager.validate.mets`).

Defined as :mod:`.receiving` defines its codes (one sentence per situation, in
its ``SITUATIONS``), in a module of their own so that each stays within the
project's length limit. Only bags packager wrote are checked; an older bag of
ours is told apart from a damaged one by having neither file (W621).
"""

from __future__ import annotations

from packager.model import ERROR, WARNING

from .receiving import _SIDECAR_NOT_READ, REPACKAGE, define_situations
from .registry import define

_CHANGED = "mets.xml or the file changed after packaging: " + REPACKAGE
define_situations(  # the METS document itself, and what its fileSec and structMap cover
    "E621", ERROR, "{problem}", "mets-document", **_SIDECAR_NOT_READ,
    missing="{path} is missing, but the bag has {other}, which packager writes beside it; " + REPACKAGE,
    invalid="{path} is not valid against {schema} ({error}); the rest of it was not checked: " + REPACKAGE,
    not_in_filesec="{path}: payload file {file} is not in the fileSec, so the METS document does not describe "
    "it; " + REPACKAGE,
    not_in_payload="{path}: the fileSec lists {file}, which is not in the payload; restore the file or " + REPACKAGE,
    no_dmdsec="{path}: {file} has no structMap div pointing to a dmdSec (its description); " + REPACKAGE,
    no_amdsec="{path}: {file} has no amdSec with a PREMIS object for it; " + REPACKAGE)
define("E622", ERROR, "{path}: the PREMIS fixity of {file} gives {algorithm} {actual}, but the bag's manifest "
       "gives {expected}; " + _CHANGED, "mets-fixity")
define_situations(  # the original's fixity in mets.xml against originals.txt
    "E623", ERROR, "{problem}", "mets-original-fixity",
    differs="{path}: the PREMIS fixity of the original {original} gives {algorithm} {actual}, but originals.txt "
    "gives {expected}; the chain of custody is broken: " + REPACKAGE,
    not_listed="{path}: the original {original} of {file} has no checksums in originals.txt; the chain of "
    "custody is broken: " + REPACKAGE)
define_situations(  # premis.xml, where Archivematica loads PREMIS events from a transfer
    "E624", ERROR, "{problem}", "premis-file", **_SIDECAR_NOT_READ,
    missing="{path} is missing, but the bag has {other}, which packager writes beside it; " + REPACKAGE,
    invalid="{path} is not valid against {schema} ({error}); Archivematica would not load its events: "
    + REPACKAGE,
    unknown_file="{path}: a PREMIS object's originalName is {name!r}, which is not a payload image; "
    "Archivematica links objects to files by that name: " + REPACKAGE,
    no_object="{path} has no PREMIS object for {file}; " + REPACKAGE,
    fixity="{path}: the PREMIS fixity of {file} gives {algorithm} {actual}, but the bag's manifest gives "
    "{expected}; " + REPACKAGE)
define_situations(  # metadata.csv's directory-level row for the collection
    "E625", ERROR, "{problem}", "collection-row",
    missing="metadata.csv has no row for the collection ({row}), which packager writes with mets.xml; "
    + REPACKAGE,
    differs="metadata.csv, line {line}: the collection row ({row}) and the collection's dmdSec in mets.xml "
    "disagree ({difference}); " + REPACKAGE)
define("W621", WARNING, "{path} is missing: the bag was written by a packager release before METS and PREMIS "
       "(it has no premis.xml either), so the files' provenance was checked from records.json and originals.txt "
       "only; package the collection again for a METS document", "mets-older-bag")

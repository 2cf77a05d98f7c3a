"""Codes 3xx-4xx: crosswalk and embedding, writing the bag."""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING

from .registry import define

# --- 3xx crosswalk and embedding --------------------------------------------
define("W301", WARNING, "{tag} clipped from {length} to {limit} bytes at a character boundary (IIM limit); "
        "the full value is kept in {master}")
define("E302", ERROR, "ExifTool could not write {file}: {detail}")
define("E303", ERROR, "read-back mismatch in {file}, {tag}: wrote {expected!r}, read {actual!r}")
define("E304", ERROR, "pixels changed while embedding metadata into {file}; the copy was discarded")
define("W305", WARNING, "{format} files cannot carry IPTC-IIM; metadata written to XMP and EXIF only")
define("E306", ERROR, "cannot read image {file}: {detail}")
define("W307", WARNING, "existing IIM in {file} had no character set marker and was read as Latin-1; "
        "re-written as UTF-8")
define("W308", WARNING, "ExifTool warning for {file}: {detail}")
define("E309", ERROR, "refusing path with a line break: {file!r}")
define("I312", INFO, "{detail}")  # a field the record leaves empty kept from the image's own metadata
define("W313", WARNING, "{detail}")  # an image's own copy replaced so that XMP, IIM and EXIF agree
define("W314", WARNING, "{detail}")  # an image's own value replaced by the record's (old value kept here)
define("E310", ERROR, "{field} override {value!r} in {source} is not usable: {detail}")
define("W311", WARNING, "{tag} in {file}: {count} character(s) that XMP (XML 1.0) cannot carry "
        "(control characters, U+FFFE/U+FFFF) written as U+FFFD in every copy")

# --- 4xx writing the bag ----------------------------------------------------
define("E401", ERROR, "bag {path} already exists; use --replace, remove it, or choose another --out")
define("E402", ERROR, "could not write {path}: {detail}")
define("I403", INFO, "{detail}")
define("W404", WARNING, "{detail}")  # payload name legal but risky for other BagIt tools

"""Codes 3xx-4xx: crosswalk and embedding, writing the bag."""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING

from .registry import define

# --- 3xx crosswalk and embedding --------------------------------------------
define("W301", WARNING, "{tag} clipped from {length} to {limit} bytes at a character boundary (IIM limit); "
        "the full value is kept in {master}")
define("E302", ERROR, "ExifTool could not write {file}: {error}")
define("E303", ERROR, "read-back mismatch in {file}, {tag}: wrote {expected!r}, read {actual!r}")
define("E304", ERROR, "pixels changed while embedding metadata into {file}; the copy was discarded")
define("W305", WARNING, "{format} files cannot carry IPTC-IIM; metadata written to XMP and EXIF only")
define("E306", ERROR, "cannot read image {file}: {error}")
define("W307", WARNING, "existing IIM in {file} had no character set marker and was read as Latin-1; "
        "re-written as UTF-8")
define("W308", WARNING, "ExifTool warning for {file}: {warning}")
define("E309", ERROR, "refusing path with a line break: {file!r}")
define("I312", INFO, "{file}: {label} {value!r} kept from the image's own metadata ({tag}); the caption and "
        "the collection description say nothing about it")
# an image's own copy replaced: {change} says how and why (the caption's location replaces the image's as a
# whole, or a copy that disagreed with the one chosen is rewritten so that XMP, IIM and EXIF agree)
define("W313", WARNING, "{file}: {tag} {change}")
# the old value survives in this message and in the item's "replaced" list in records.json
define("W314", WARNING, "{file}: the original's {tag} {old!r} is replaced by {new!r} from the record")
# ExifTool reads a structure member it cannot write (12.57: Iptc4xmpExt:GPSAltitudeRef); rewriting the structure
# to merge the record's own entry loses it from the file, so records.json ("replaced") keeps it
define("W315", WARNING, "{file}: the original's {tag} {value!r} cannot be written back by ExifTool and is "
        "missing from the bag's copy; records.json keeps it under \"replaced\"")
# IIM in two places (two APP13 blocks, a FotoStation trailer): rewriting it would merge the blocks and
# lose or repeat values, so it is left byte for byte as it was
define("W316", WARNING, "{file}: the image's IIM is left as it is and not written, because {reason}; the "
        "record is written to XMP and EXIF only, and no fresh IPTCDigest claims that this IIM agrees with the XMP")
define("E310", ERROR, "{field} override {value!r} in {source} is not usable: {reason}; the "
        "analysed value is kept")
define("W311", WARNING, "{tag} in {file}: {count} character(s) that XMP (XML 1.0) cannot carry "
        "(control characters, U+FFFE/U+FFFF) written as U+FFFD in every copy")

# --- 4xx writing the bag ----------------------------------------------------
define("E401", ERROR, "bag {path} already exists; use --replace, remove it, or choose another --out")
define("E402", ERROR, "could not write {path}: {problem}")
define("E405", ERROR, "another run is writing {path}: {who}; wait for it to finish, or choose another --out")
define("W406", WARNING, "{entry} is left out of the bag for its error {failure}; it is listed in "
        "data/metadata/excluded.csv with the reason; fix it and package it again to include it")
define("E407", ERROR, "{file}: profile {profile} requires the tag {label}{allowed}, and nothing gives it a value; "
       "set it in collection.toml under {table}, e.g. {example}")
define("E408", ERROR, "{file}: {label} {value!r} is not one the profile {profile} allows ({allowed}); set one of "
       "them in collection.toml under {table}")
define("E409", ERROR, "profile {profile} asks for {what}, which the packager cannot make; {advice}")
define("I407", INFO, "{file} from collection.toml [tag-files] is left out of this bag: profile {profile} allows no "
       "such tag file; it is written in bags made to a profile that asks for it or allows it (--profile)")
define("E410", ERROR, "{what} cannot be split into bags of at most {limit}: {reason}; give a larger --max-bag-size")
define("I403", INFO, "{detail}")  # no caller: nothing raises it, so it has no sentence yet
define("W404", WARNING, "payload name {path} contains '%': it is written as %25 as RFC 8493 requires, but "
        "bagit-python 1.9.0 does not decode %25 and will report the file missing; rename the file if the bag "
        "must pass that tool")  # legal but risky for other BagIt tools

"""Codes 0xx-2xx: configuration and environment, reading the collection, analysing captions."""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING

from .registry import define

# --- 0xx configuration and environment --------------------------------------
define("E001", ERROR, "collection description not found: {path}; create collection.toml (see README)")
define("E002", ERROR, "collection description is not valid TOML: {detail}")
define("E003", ERROR, "collection description: {detail}")
define("E004", ERROR, "ExifTool not found ({detail}); install Debian's libimage-exiftool-perl or set PACKAGER_EXIFTOOL")
define("E005", ERROR, "ExifTool {version} is too old; version {minimum} or newer is needed")
define("E006", ERROR, "output directory problem: {detail}")

# --- 1xx reading the collection ---------------------------------------------
define("W101", WARNING, "dropped line {line}: {text!r} looks like a leftover of the web page ({why}), not a caption")
define("W102", WARNING, "dropped line {line}: blank line")
define("E103", ERROR, "{detail}; save the file as UTF-8 (with or without BOM)")
define("E104", ERROR, "caption on line {line} of {source} has no image: expected {file} in {folder}")
define("E105", ERROR, "image {file} has no caption in {source}; add a caption for it or remove the image")
define("E106", ERROR, "duplicate name {file}: {detail}")
define("E107", ERROR, "CSV {source}: {detail}")
define("E108", ERROR, "caption source not found: {source}")
define("E109", ERROR, "image folder not found: {folder}")
define("W110", WARNING, "caption on line {line} contains control characters or line separators; tabs, line "
        "breaks and separators are kept, others become U+FFFD because XML cannot carry them (W311)")
define("W111", WARNING, "{detail}")
# 120-139: the review sheet (packager/review.py)
define("E120", ERROR, "review sheet {path} cannot be read: {detail}; fix or delete it (`packager review` writes a "
        "new one)")
define("E121", ERROR, "review sheet {path}, row {line}: {detail}")  # a row with edits that matches no item
define("W122", WARNING, "review sheet {path}, row {line}: {detail}")  # the same, without edits
define("E123", ERROR, "review sheet {path}, row {line}, column {column} ({identifier}): {value!r} is not usable: "
        "{detail}; the analysed value is kept until the cell is corrected")
define("W124", WARNING, "review sheet {path}, row {line}: the caption column is read-only and the change was "
        "ignored; correct the caption in {source}, then run `packager review` again")
define("W125", WARNING, "review sheet {path} has no {column!r} column, so edits are found by comparing each cell "
        "with the current analysis; run `packager review` to add it back")
define("I126", INFO, "review sheet {path}: {edits} edited cell(s) of {items} item(s) applied")
define("I127", INFO, "review sheet {path} has no row for {identifier}; its analysed values are used (run "
        "`packager review` to add the row)")
define("W128", WARNING, "review sheet {path}: column {column!r} is not a sheet column and is ignored; known "
        "columns: {known}")

# --- 2xx analysing captions -------------------------------------------------
define("W201", WARNING, "caption appears cut off mid-sentence (ends with {tail!r}); text kept as is, record marked truncated")
define("I202", INFO, "no place recognised in the caption")
define("W203", WARNING, "{detail}")
define("I204", INFO, "{detail}")
define("I205", INFO, "{detail}; check the sublocation in the review sheet and correct it there if it is not the scene")
define("I206", INFO, "{detail}; check city and province in the review sheet and correct them there if wrong")
# 215-219: checks across the collection
define("W215", WARNING, "caption is nearly identical to {other}'s ({other_file}, similarity {score:.2f}): check "
        "that the two images are different pictures, or remove one")
define("I210", INFO, "person {detail} was recognised from a role word, not from the vocabulary; check the name, "
        "and add it to schemas/organisations.json (persons) if it should be recognised everywhere")
define("I211", INFO, "organisation {detail} was recognised from the form of its name (e.g. \"... University\", "
        "\"X's factory\"), not from the vocabulary; check it, and add it to schemas/organisations.json "
        "(organisations) with its canonical name if it should be recognised everywhere")
define("I212", INFO, "event {detail} was recognised from the form of its name (e.g. \"... Carnival\", "
        "\"COP26\"), not from the vocabulary; check the name, and add it to schemas/organisations.json (events) "
        "with its canonical name if it should be recognised everywhere")

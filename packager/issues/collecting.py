"""Codes 0xx-2xx: configuration and environment, reading the collection, analysing captions."""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING

from .registry import define

# --- 0xx configuration and environment --------------------------------------
define("E001", ERROR, "collection description not found: {path}; create collection.toml (see README)")
define("E002", ERROR, "collection description is not valid TOML: {error}; correct the TOML syntax there")
# {problem} says what is wrong with which key and what to write instead: the checks share no other sentence
define("E003", ERROR, "collection description: {problem}")
define("E004", ERROR, "ExifTool not found ({reason}); install Debian's libimage-exiftool-perl or set PACKAGER_EXIFTOOL")
define("E005", ERROR, "ExifTool {version} is too old; version {minimum} or newer is needed")
define("E006", ERROR, "output directory {path} cannot be used: {problem}; choose another --out")  # no caller yet
define("E007", ERROR, "cannot use the Dask scheduler at {address}: {reason}; install the engine with `pip install "
        "'packager[dask]'`, start a cluster with `dask scheduler` and `dask worker tcp://HOST:8786` on machines that "
        "share the collection's filesystem, and pass the scheduler's address")

# --- 1xx reading the collection ---------------------------------------------
define("W101", WARNING, "dropped line {line}: {text!r} looks like a leftover of the web page ({why}), not a caption")
define("W102", WARNING, "dropped line {line}: blank line")
define("E103", ERROR, "{path}, line {line}: {problem}; save the file as UTF-8 (with or without BOM)")
define("E104", ERROR, "caption on line {line} of {source} has no image: expected {file} in {folder}{why}")
define("E105", ERROR, "image {file} has no caption in {source}; add a caption for it or remove the image")
define("E106", ERROR, "duplicate name {file}: {problem}")  # named twice in a CSV, or images differing in case
define("E107", ERROR, "CSV {source}: {problem}")  # the header or one record cannot be used
define("E108", ERROR, "caption source not found: {source}")
define("E109", ERROR, "image folder not found: {folder}")
define("W110", WARNING, "caption on line {line} contains control characters or line separators; tabs, line "
        "breaks, separators, DEL and C1 controls are kept, the other C0 controls (such as NUL or ESC) become "
        "U+FFFD because XML cannot carry them (W311)")
# a name used after an adjustment: an unknown CSV column ignored, a caption paired with an image whose name
# differs only in case, an identifier made unique; {problem} says which and what was done
define("W111", WARNING, "{problem}")
define("E112", ERROR, "image name {file} contains control characters or the noncharacters U+FFFE/U+FFFF (shown "
        "escaped); rename the file without them: they break ExifTool's argument files and replies, and manifests")
define("E114", ERROR, "image name {file} is {length} bytes long: ExifTool writes each copy through a temporary "
        "file named after it with 13 bytes more ('_exiftool_tmp'), and a file name may have at most 255 bytes; "
        "shorten it to 242 bytes or fewer")
define("E113", ERROR, "image {file} is a link to {target}, outside the image folder; copy the file into {folder} "
        "instead, so that the collection holds what it describes")
# an image folder entry that cannot be packaged: not a regular file, empty, no image, another format than its
# name says, unreadable; {problem} says which and what to do (packager/collection/folder.py)
define("E115", ERROR, "image {file} {problem}")
define("I116", INFO, "image {file} is a symbolic link to {target} in the image folder: the bag holds a copy of "
        "{target}'s bytes under the name {file}{also}")
define("E117", ERROR, "image name {file} is not valid UTF-8 (the bytes that are not are shown as \\xNN); rename "
        "the file in UTF-8: BagIt manifests, XMP and the report need UTF-8 names, and no caption file can name it")
define("W118", WARNING, "caption on line {line} contains {chars}, which change the order in which the text "
        "around them is shown; they are kept as written (shown here by code point): check that they belong "
        "to the caption")
define("W119", WARNING, "caption on line {line} starts with {start!r}: a spreadsheet opening a CSV that holds it "
        "(such as the bag's metadata.csv) may run it as a formula; it is kept exactly as written in the records, "
        "and the review sheet writes it with a leading apostrophe")
# 120-139: the review sheet (packager/review/)
define("E120", ERROR, "review sheet {path} cannot be read: {error}; fix or delete it (`packager review` writes a "
        "new one)")
# a row that matches no item ({problem}: no identifier, a second row, a renamed image, a changed caption)
define("E121", ERROR, "review sheet {path}, row {line}: {problem}; its edits ({columns}) were not applied: {fix}")
define("W122", WARNING, "review sheet {path}, row {line}: {problem}; it holds no edits and was ignored; "
        "`packager review` rewrites the sheet without it")  # the same, without edits
define("E123", ERROR, "review sheet {path}, row {line}, column {column} ({identifier}): {value!r} is not usable: "
        "{reason}; the analysed value is kept until the cell is corrected")
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
define("W203", WARNING, "place name {name!r} is ambiguous ({candidates}); none was recorded. Write it as "
        "'{name} (Province)' or set city and province_state in a CSV override")
define("I204", INFO, "{name!r} is not in the gazetteer; recorded as a place in {region} from the "
        "'{name} ({qualifier})' form; check city and province in the review sheet and correct them there if wrong")
define("I205", INFO, "{name!r} is not in the gazetteer; recorded as the sublocation from its form; check the "
        "sublocation in the review sheet and correct it there if it is not the scene")
define("I206", INFO, "{name!r} is below the main place data's size; found among GeoNames' smaller towns in "
        "{region} from its cue; check city and province in the review sheet and correct them there if wrong")
# 215-219: checks across the collection
define("W215", WARNING, "caption is nearly identical to {other}'s ({other_file}, similarity {score:.2f}): check "
        "that the two images are different pictures, or remove one")
define("I210", INFO, "person {name!r} (after {role!r}) was recognised from a role word, not from the vocabulary; "
        "check the name, and add it to schemas/organisations.json (persons) if it should be recognised everywhere")
define("I211", INFO, "organisation {name!r} was recognised from the form of its name (e.g. \"... University\", "
        "\"X's factory\"), not from the vocabulary; check it, and add it to schemas/organisations.json "
        "(organisations) with its canonical name if it should be recognised everywhere")
define("I212", INFO, "event {name!r} was recognised from the form of its name (e.g. \"... Carnival\", "
        "\"COP26\"), not from the vocabulary; check the name, and add it to schemas/organisations.json (events) "
        "with its canonical name if it should be recognised everywhere")

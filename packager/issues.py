"""The registry of coded issues.

Every finding the packager reports has a stable code, a severity and a message
template here. Codes are grouped by the stage that raises them:

* ``0xx`` configuration and environment
* ``1xx`` reading the collection (captions, images, pairing)
* ``2xx`` analysing captions
* ``3xx`` crosswalk and embedding
* ``4xx`` writing the bag
* ``5xx`` BagIt validation (structure, manifests, checksums)
* ``6xx`` metadata validation inside a bag (sidecars against embedded tags)

A message says what is wrong and what to do about it. Use :func:`make` to
build an :class:`~packager.model.Issue`; an unknown code is a programming error.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import ERROR, INFO, WARNING, Issue


@dataclass(frozen=True)
class IssueType:
    code: str
    severity: str
    template: str
    name: str | None = None


_REGISTRY: dict[str, IssueType] = {}


def _define(code: str, severity: str, template: str, name: str | None = None) -> None:
    if code in _REGISTRY:
        raise ValueError(f"issue code {code} defined twice")
    _REGISTRY[code] = IssueType(code, severity, template, name)


def make(code: str, path: str | None = None, line: int | None = None, field: str | None = None,
         severity: str | None = None, **values: object) -> Issue:
    """Build an Issue from its code; ``values`` fill the message template."""
    kind = _REGISTRY[code]
    return Issue(code=code, severity=severity or kind.severity,
                 message=kind.template.format(path=path, line=line, field=field, **values),
                 path=path, line=line, field=field, name=kind.name)


def registry() -> dict[str, IssueType]:
    return dict(_REGISTRY)


# --- 0xx configuration and environment --------------------------------------
_define("E001", ERROR, "collection description not found: {path}; create collection.toml (see README)")
_define("E002", ERROR, "collection description is not valid TOML: {detail}")
_define("E003", ERROR, "collection description: {detail}")
_define("E004", ERROR, "ExifTool not found ({detail}); install Debian's libimage-exiftool-perl or set PACKAGER_EXIFTOOL")
_define("E005", ERROR, "ExifTool {version} is too old; version {minimum} or newer is needed")
_define("E006", ERROR, "output directory problem: {detail}")

# --- 1xx reading the collection ---------------------------------------------
_define("W101", WARNING, "dropped line {line}: {text!r} looks like a leftover of the web page ({why}), not a caption")
_define("W102", WARNING, "dropped line {line}: blank line")
_define("E103", ERROR, "{detail}; save the file as UTF-8 (with or without BOM)")
_define("E104", ERROR, "caption on line {line} of {source} has no image: expected {file} in {folder}")
_define("E105", ERROR, "image {file} has no caption in {source}; add a caption for it or remove the image")
_define("E106", ERROR, "duplicate name {file}: {detail}")
_define("E107", ERROR, "CSV {source}: {detail}")
_define("E108", ERROR, "caption source not found: {source}")
_define("E109", ERROR, "image folder not found: {folder}")
_define("W110", WARNING, "caption on line {line} contains control characters or line separators; tabs, line "
        "breaks and separators are kept, others become U+FFFD because XML cannot carry them (W311)")
_define("W111", WARNING, "{detail}")
# 120-139: the review sheet (packager/review.py)
_define("E120", ERROR, "review sheet {path} cannot be read: {detail}; fix or delete it (`packager review` writes a "
        "new one)")
_define("E121", ERROR, "review sheet {path}, row {line}: {detail}")  # a row with edits that matches no item
_define("W122", WARNING, "review sheet {path}, row {line}: {detail}")  # the same, without edits
_define("E123", ERROR, "review sheet {path}, row {line}, column {column} ({identifier}): {value!r} is not usable: "
        "{detail}; the analysed value is kept until the cell is corrected")
_define("W124", WARNING, "review sheet {path}, row {line}: the caption column is read-only and the change was "
        "ignored; correct the caption in {source}, then run `packager review` again")
_define("W125", WARNING, "review sheet {path} has no {column!r} column, so edits are found by comparing each cell "
        "with the current analysis; run `packager review` to add it back")
_define("I126", INFO, "review sheet {path}: {edits} edited cell(s) of {items} item(s) applied")
_define("I127", INFO, "review sheet {path} has no row for {identifier}; its analysed values are used (run "
        "`packager review` to add the row)")
_define("W128", WARNING, "review sheet {path}: column {column!r} is not a sheet column and is ignored; known "
        "columns: {known}")

# --- 2xx analysing captions -------------------------------------------------
_define("W201", WARNING, "caption appears cut off mid-sentence (ends with {tail!r}); text kept as is, record marked truncated")
_define("I202", INFO, "no place recognised in the caption")
_define("W203", WARNING, "{detail}")
_define("I204", INFO, "{detail}")
_define("I205", INFO, "{detail}; check the sublocation in the review sheet and correct it there if it is not the scene")
_define("I206", INFO, "{detail}; check city and province in the review sheet and correct them there if wrong")
# 215-219: checks across the collection
_define("W215", WARNING, "caption is nearly identical to {other}'s ({other_file}, similarity {score:.2f}): check "
        "that the two images are different pictures, or remove one")
_define("I210", INFO, "person {detail} was recognised from a role word, not from the vocabulary; check the name, "
        "and add it to schemas/organisations.json (persons) if it should be recognised everywhere")
_define("I211", INFO, "organisation {detail} was recognised from the form of its name (e.g. \"... University\", "
        "\"X's factory\"), not from the vocabulary; check it, and add it to schemas/organisations.json "
        "(organisations) with its canonical name if it should be recognised everywhere")
_define("I212", INFO, "event {detail} was recognised from the form of its name (e.g. \"... Carnival\", "
        "\"COP26\"), not from the vocabulary; check the name, and add it to schemas/organisations.json (events) "
        "with its canonical name if it should be recognised everywhere")

# --- 3xx crosswalk and embedding --------------------------------------------
_define("W301", WARNING, "{tag} clipped from {length} to {limit} bytes at a character boundary (IIM limit); "
        "the full value is kept in {master}")
_define("E302", ERROR, "ExifTool could not write {file}: {detail}")
_define("E303", ERROR, "read-back mismatch in {file}, {tag}: wrote {expected!r}, read {actual!r}")
_define("E304", ERROR, "pixels changed while embedding metadata into {file}; the copy was discarded")
_define("W305", WARNING, "{format} files cannot carry IPTC-IIM; metadata written to XMP and EXIF only")
_define("E306", ERROR, "cannot read image {file}: {detail}")
_define("W307", WARNING, "existing IIM in {file} had no character set marker and was read as Latin-1; "
        "re-written as UTF-8")
_define("W308", WARNING, "ExifTool warning for {file}: {detail}")
_define("E309", ERROR, "refusing path with a line break: {file!r}")
_define("I312", INFO, "{detail}")  # a field the record leaves empty kept from the image's own metadata
_define("W313", WARNING, "{detail}")  # an image's own copy replaced so that XMP, IIM and EXIF agree
_define("W314", WARNING, "{detail}")  # an image's own value replaced by the record's (old value kept here)
_define("E310", ERROR, "{field} override {value!r} in {source} is not usable: {detail}")
_define("W311", WARNING, "{tag} in {file}: {count} character(s) that XMP (XML 1.0) cannot carry "
        "(control characters, U+FFFE/U+FFFF) written as U+FFFD in every copy")

# --- 4xx writing the bag ----------------------------------------------------
_define("E401", ERROR, "bag {path} already exists; use --replace, remove it, or choose another --out")
_define("E402", ERROR, "could not write {path}: {detail}")
_define("I403", INFO, "{detail}")
_define("W404", WARNING, "{detail}")  # payload name legal but risky for other BagIt tools

# --- 5xx BagIt validation ---------------------------------------------------
_define("E501", ERROR, "{detail}")  # structure: bagit.txt, bag-info, data/
_define("E502", ERROR, "{detail}")  # manifests: syntax, paths, coverage
_define("E503", ERROR, "checksum mismatch: {algorithm} of {file} is {actual}, manifest says {expected}; the file "
        "changed after bagging: ask the depositor for a fresh copy")
_define("E504", ERROR, "file {file} is listed in {manifest} but missing from the bag; restore it or ask the "
        "depositor to send the bag again")
_define("E505", ERROR, "file {file} is in the payload but not listed in {manifest}; remove it, or re-bag if it "
        "belongs to the deposit")
_define("E506", ERROR, "Payload-Oxum mismatch: bag-info says {expected}, payload is {actual}; files were added, "
        "removed or changed after bagging (see the other problems)")
_define("W507", WARNING, "{detail}")  # legal but risky
_define("E508", ERROR, "{detail}")  # tag manifests
_define("E509", ERROR, "incomplete bag: {file} is to be fetched from {url} (fetch.txt) but is not present; "
        "fetch it into the bag, then validate again")
# 510-519: serialized bags (tar, tar.gz, zip), read in place
_define("E510", ERROR, "{detail}", "archive-member")  # unsafe or unusable member, layout of the archive
_define("E511", ERROR, "{detail}", "archive-bomb")  # expansion beyond the limits: reading stopped
_define("W512", WARNING, "{detail}", "top-directory-name")  # draft-kunze-bagit-14 §4: SHOULD be the archive's name
_define("E513", ERROR, "{detail}", "archive-unreadable")  # not an archive we can read, or damaged
# 520-529: named lint warnings: legal, but risky for other tools or later readers
_define("W520", WARNING, "{detail}", "case-clash")
_define("W521", WARNING, "{detail}", "normalization-clash")
_define("W522", WARNING, "{detail}", "os-junk-file")
_define("W523", WARNING, "{detail}", "md5sum-marker")
_define("W524", WARNING, "{detail}", "leading-dot-slash")
_define("W525", WARNING, "{detail}", "old-bagit-version")
_define("W526", WARNING, "{detail}", "no-tag-manifest")
_define("W527", WARNING, "{detail}", "manifests-differ")
_define("W528", WARNING, "{detail}", "bag-in-bag")
_define("W529", WARNING, "{detail}", "weak-algorithm")
# 530-539: BagIt profiles (packager/bagit_profile.py)
_define("E530", ERROR, "{file}: required tag {tag} is missing{reason}; add the line '{tag}: ...' to {file} "
        "(profile {profile}){hint}", "profile-tag-missing")
_define("E531", ERROR, "{file}: {tag} is {value!r}, a value profile {profile} does not allow; use one of: "
        "{allowed}", "profile-tag-value")
_define("E532", ERROR, "{file}: {tag} appears {count} times, but profile {profile} does not allow it to repeat; "
        "keep one line", "profile-tag-repeated")
_define("E533", ERROR, "{file}: {tag} is empty, but profile {profile} requires a value; fill it in{hint}",
        "profile-tag-empty")
_define("E534", ERROR, "{detail}", "profile-manifest")  # manifests and tag manifests required / allowed
_define("E535", ERROR, "{detail}", "profile-files")  # tag files, payload files, Data-Empty
_define("E536", ERROR, "{detail}", "profile-fetch")  # Allow-Fetch.txt, Fetch.txt-Required
_define("E537", ERROR, "{detail}", "profile-serialization")  # Serialization, Accept-Serialization, folder name
_define("E538", ERROR, "{detail}", "profile-bagit-version")  # Accept-BagIt-Version
_define("E539", ERROR, "bag-info.txt: {detail}", "profile-not-declared")  # BagIt-Profile-Identifier
_define("W530", WARNING, "profile {source}: BagIt-Profile-Info lacks {fields}, which the BagIt Profiles "
        "specification requires; the profile is used anyway, but ask its publisher to complete it",
        "profile-info-incomplete")
_define("W531", WARNING, "profile {source}: {key} is not a field of a {format}; it is ignored (check its "
        "spelling)", "profile-field-unknown")
_define("W532", WARNING, "profile {source}: {detail}", "profile-questionable")
_define("W533", WARNING, "{file}: tag {tag} is recommended by profile {profile} but {state}{hint}; add it if "
        "the information is known", "profile-tag-recommended")
# 540-549: what validate could not check
_define("I540", INFO, "{detail}", "profile-not-checked")

# --- 6xx metadata validation ------------------------------------------------
# W620: the embedded tags could not be read (no ExifTool); everything else was checked
_define("W620", WARNING, "embedded metadata not checked: {detail}; the BagIt layer and the sidecars were checked, "
        "the tags inside the images were not. Install ExifTool and validate again", "metadata-not-read")
_define("E601", ERROR, "{file}: Dublin Core record is not valid against {schema}: {detail}")
_define("E602", ERROR, "{detail}")
_define("E603", ERROR, "{file}: embedded {tag} is {actual!r} but the sidecar record says {expected!r}; "
        "the image or its record changed after packaging: ask the depositor to package it again")
_define("E604", ERROR, "{file}: IIM {tag} is {actual!r} but should be the XMP value clipped to {limit} bytes: "
        "{expected!r}; readers that prefer IIM would show a different value: package the image again")
_define("E605", ERROR, "{detail}")  # originals checksum file
_define("E606", ERROR, "{file}: {detail}")  # cannot read embedded metadata
# Twins of E603/E604/E606/E609 for bags another tool wrote: their images need not
# embed what their metadata.csv says, so a disagreement is only a warning.
_define("E610", ERROR, "{file}: embedded {tag} is {actual!r} but records.json says {expected!r} was written; "
        "the image changed after packaging: ask the depositor to package it again")
_define("E609", ERROR, "{file}: EXIF {tag} is {actual!r} but should equal the XMP value {expected!r}; "
        "readers that prefer EXIF would show a different value: package the image again")
for _code in ("E603", "E604", "E606", "E609"):
    _define("W" + _code[1:], WARNING, _REGISTRY[_code].template + " (bag not written by packager)")
_define("E607", ERROR, "{file}: the image no longer decodes to its original's pixels (pixel digest "
        "{actual}… but records.json says {expected}…); the image data was changed after packaging")
_define("W608", WARNING, "{detail}")
# 611-619: the metadata layer of bags another tool wrote, and metadata.csv's form (packager/metacheck.py)
_define("W611", WARNING, "{detail}", "object-without-row")  # foreign bag: a payload file metadata.csv does not describe
_define("I612", INFO, "{detail}", "csv-path-form")  # foreign bag: which filename form metadata.csv uses
_define("W613", WARNING, "{detail}", "csv-mixed-path-forms")  # both data/objects/… and objects/… in one file
_define("W614", WARNING, "{detail}", "sidecar-not-checked")  # foreign bag: a file at our sidecar path, not our format
_define("W615", WARNING, "{detail}", "csv-bom")  # metadata.csv starts with a UTF-8 BOM

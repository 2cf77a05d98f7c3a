"""Codes 5xx-6xx: BagIt validation, and the metadata inside a bag."""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING

from .registry import define, registry

# --- 5xx BagIt validation ---------------------------------------------------
define("E501", ERROR, "{detail}")  # structure: bagit.txt, bag-info, data/
define("E502", ERROR, "{detail}")  # manifests: syntax, paths, coverage
define("E503", ERROR, "checksum mismatch: {algorithm} of {file} is {actual}, manifest says {expected}; the file "
        "changed after bagging: ask the depositor for a fresh copy")
define("E504", ERROR, "file {file} is listed in {manifest} but missing from the bag; restore it or ask the "
        "depositor to send the bag again")
define("E505", ERROR, "file {file} is in the payload but not listed in {manifest}; remove it, or re-bag if it "
        "belongs to the deposit")
define("E506", ERROR, "Payload-Oxum mismatch: bag-info says {expected}, payload is {actual}; files were added, "
        "removed or changed after bagging (see the other problems)")
define("W507", WARNING, "{detail}")  # legal but risky
define("E508", ERROR, "{detail}")  # tag manifests
define("E509", ERROR, "incomplete bag: {file} is to be fetched from {url} (fetch.txt) but is not present; "
        "fetch it into the bag, then validate again")
# 510-519: serialized bags (tar, tar.gz, zip), read in place
define("E510", ERROR, "{detail}", "archive-member")  # unsafe or unusable member, layout of the archive
define("E511", ERROR, "{detail}", "archive-bomb")  # expansion beyond the limits: reading stopped
define("W512", WARNING, "{detail}", "top-directory-name")  # draft-kunze-bagit-14 §4: SHOULD be the archive's name
define("E513", ERROR, "{detail}", "archive-unreadable")  # not an archive we can read, or damaged
# 520-529: named lint warnings: legal, but risky for other tools or later readers
define("W520", WARNING, "{detail}", "case-clash")
define("W521", WARNING, "{detail}", "normalization-clash")
define("W522", WARNING, "{detail}", "os-junk-file")
define("W523", WARNING, "{detail}", "md5sum-marker")
define("W524", WARNING, "{detail}", "leading-dot-slash")
define("W525", WARNING, "{detail}", "old-bagit-version")
define("W526", WARNING, "{detail}", "no-tag-manifest")
define("W527", WARNING, "{detail}", "manifests-differ")
define("W528", WARNING, "{detail}", "bag-in-bag")
define("W529", WARNING, "{detail}", "weak-algorithm")
# 530-539: BagIt profiles (packager/bagit_profile.py)
define("E530", ERROR, "{file}: required tag {tag} is missing{reason}; add the line '{tag}: ...' to {file} "
        "(profile {profile}){hint}", "profile-tag-missing")
define("E531", ERROR, "{file}: {tag} is {value!r}, a value profile {profile} does not allow; use one of: "
        "{allowed}", "profile-tag-value")
define("E532", ERROR, "{file}: {tag} appears {count} times, but profile {profile} does not allow it to repeat; "
        "keep one line", "profile-tag-repeated")
define("E533", ERROR, "{file}: {tag} is empty, but profile {profile} requires a value; fill it in{hint}",
        "profile-tag-empty")
define("E534", ERROR, "{detail}", "profile-manifest")  # manifests and tag manifests required / allowed
define("E535", ERROR, "{detail}", "profile-files")  # tag files, payload files, Data-Empty
define("E536", ERROR, "{detail}", "profile-fetch")  # Allow-Fetch.txt, Fetch.txt-Required
define("E537", ERROR, "{detail}", "profile-serialization")  # Serialization, Accept-Serialization, folder name
define("E538", ERROR, "{detail}", "profile-bagit-version")  # Accept-BagIt-Version
define("E539", ERROR, "bag-info.txt: {detail}", "profile-not-declared")  # BagIt-Profile-Identifier
define("W530", WARNING, "profile {source}: BagIt-Profile-Info lacks {fields}, which the BagIt Profiles "
        "specification requires; the profile is used anyway, but ask its publisher to complete it",
        "profile-info-incomplete")
define("W531", WARNING, "profile {source}: {key} is not a field of a {format}; it is ignored (check its "
        "spelling)", "profile-field-unknown")
define("W532", WARNING, "profile {source}: {detail}", "profile-questionable")
define("W533", WARNING, "{file}: tag {tag} is recommended by profile {profile} but {state}{hint}; add it if "
        "the information is known", "profile-tag-recommended")
# 540-549: what validate could not check
define("I540", INFO, "{detail}", "profile-not-checked")

# --- 6xx metadata validation ------------------------------------------------
# W620: the embedded tags could not be read (no ExifTool); everything else was checked
define("W620", WARNING, "embedded metadata not checked: {detail}; the BagIt layer and the sidecars were checked, "
        "the tags inside the images were not. Install ExifTool and validate again", "metadata-not-read")
define("E601", ERROR, "{file}: Dublin Core record is not valid against {schema}: {detail}")
define("E602", ERROR, "{detail}")
define("E603", ERROR, "{file}: embedded {tag} is {actual!r} but the sidecar record says {expected!r}; "
        "the image or its record changed after packaging: ask the depositor to package it again")
define("E604", ERROR, "{file}: IIM {tag} is {actual!r} but should be the XMP value clipped to {limit} bytes: "
        "{expected!r}; readers that prefer IIM would show a different value: package the image again")
define("E605", ERROR, "{detail}")  # originals checksum file
define("E606", ERROR, "{file}: {detail}")  # cannot read embedded metadata
# Twins of E603/E604/E606/E609 for bags another tool wrote: their images need not
# embed what their metadata.csv says, so a disagreement is only a warning.
define("E610", ERROR, "{file}: embedded {tag} is {actual!r} but records.json says {expected!r} was written; "
        "the image changed after packaging: ask the depositor to package it again")
define("E609", ERROR, "{file}: EXIF {tag} is {actual!r} but should equal the XMP value {expected!r}; "
        "readers that prefer EXIF would show a different value: package the image again")
for _code in ("E603", "E604", "E606", "E609"):
    define("W" + _code[1:], WARNING, registry()[_code].template + " (bag not written by packager)")
define("E607", ERROR, "{file}: the image no longer decodes to its original's pixels (pixel digest "
        "{actual}… but records.json says {expected}…); the image data was changed after packaging")
define("W608", WARNING, "{detail}")
# 611-619: the metadata layer of bags another tool wrote, and metadata.csv's form (packager/metacheck.py)
define("W611", WARNING, "{detail}", "object-without-row")  # foreign bag: a payload file metadata.csv does not describe
define("I612", INFO, "{detail}", "csv-path-form")  # foreign bag: which filename form metadata.csv uses
define("W613", WARNING, "{detail}", "csv-mixed-path-forms")  # both data/objects/… and objects/… in one file
define("W614", WARNING, "{detail}", "sidecar-not-checked")  # foreign bag: a file at our sidecar path, not our format
define("W615", WARNING, "{detail}", "csv-bom")  # metadata.csv starts with a UTF-8 BOM

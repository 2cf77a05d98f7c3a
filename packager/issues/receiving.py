"""Codes 5xx-6xx: BagIt validation, and the metadata inside a bag.

A code raised in one situation has one template, filled by ``make(code, **values)``.
A code that covers a family of situations (E501: the bag's structure; E602: the
sidecars) has a template around ``{problem}`` and one named sentence per
situation, defined here beside it; ``situation(code, what, **values)`` fills
the sentence named ``what`` and makes the issue. Either way the call site gives
only values (files, lines, counts, names, reasons); the sentence and the advice
are here. A missing value, or an unknown situation, raises KeyError.
"""

from __future__ import annotations

from packager.model import ERROR, INFO, WARNING, Issue

from .registry import define, make, registry

#: The sentences of each code raised in several situations, by situation name.
SITUATIONS: dict[str, dict[str, str]] = {}


def define_situations(code: str, severity: str, template: str, name: str | None = None,
                      **sentences: str) -> None:
    """Define ``code`` (its ``template`` holds ``{problem}``) and the sentence of each situation."""
    define(code, severity, template, name)
    SITUATIONS[code] = sentences


def situation(code: str, what: str, path: str | None = None, line: int | None = None, field: str | None = None,
              **values: object) -> Issue:
    """The issue ``code`` for situation ``what``, its sentence filled from ``values``."""
    problem = SITUATIONS[code][what].format(path=path, line=line, field=field, **values)
    return make(code, path, line, field, None, problem=problem, **values)


REPACKAGE = "package the collection again"
_BAGIT_LINE = "bagit.txt line {line}"
_ENTRY = "{path} line {line}: "  # a line of a manifest or fetch.txt
#: Situations several codes share (the code depends on the BagIt version, or on the file).
_UNREADABLE = dict(source_error="{error}")
_UNDECODABLE = dict(not_decodable="{path} is not valid {encoding} (byte {byte}); re-save it in the encoding "
                    "bagit.txt declares")
_MANIFEST_LINES = dict(
    line_syntax="{path} line {line} is not 'CHECKSUM PATH': {text!r}",
    digest_not_hex=_ENTRY + "checksum {digest!r} is not hexadecimal",
    digest_length=_ENTRY + "checksum has {digits} hex digits, {algorithm} has {expected}",
    listed_twice_differently="{path} lines {first} and {line} list {file} twice with different checksums; keep "
    "the correct line only",
    listed_twice="{path} lines {first} and {line} list {file} twice; BagIt 1.0 allows each file once per "
    "manifest, remove the duplicate")
# errors from BagIt 1.0, warnings (W507) before
_PAYLOAD_STRICT = dict(
    fetch_unlisted="fetch.txt line {line}: {file} is in no payload manifest, so it cannot be verified once "
    "fetched; add it to every payload manifest",
    payload_outside_data=_ENTRY + "payload manifest {path} lists {entry!r}, which is not under data/; list tag "
    "files in a tagmanifest-<alg>.txt instead")
_TAG_STRICT = dict(
    tag_manifest_listed="{path} line {line} lists tag manifest {listed}; tag manifests must not list each other")

# --- 5xx BagIt validation ---------------------------------------------------
define_situations(  # structure: bagit.txt, bag-info, data/
    "E501", ERROR, "{problem}", **_UNREADABLE, **_UNDECODABLE,
    not_found="{path} does not exist; give the bag's folder or its .tar, .tar.gz, .tgz or .zip file",
    no_data="the payload folder data/ is missing; every bag has one (it may be empty)",
    top_is_link="{path}/ is a symbolic link to {target}, not a folder; replace the link with the folder itself",
    cannot_stat="{path} cannot be read ({reason}); it may be a broken symbolic link",
    not_regular="{path} is not a regular file (device, FIFO or socket); remove it from the bag",
    oxum_conflict="{path} has conflicting Payload-Oxum values {values}; keep one",
    oxum_syntax="Payload-Oxum {value!r} is not OCTETS.FILECOUNT (e.g. 1024.3)",
    bagit_missing="bagit.txt is missing; every bag has it at its top level: check that the path is the bag's top "
    "folder, or add 'BagIt-Version: 1.0' and 'Tag-File-Character-Encoding: UTF-8'",
    bagit_unreadable="bagit.txt cannot be read: {error}",
    bagit_bom="bagit.txt starts with a byte-order mark, which BagIt forbids; save it as UTF-8 without BOM",
    bagit_not_utf8="bagit.txt is not UTF-8 (byte {byte}); it must be UTF-8 text",
    bagit_too_many_lines="bagit.txt has {count} lines; it must have exactly two (BagIt-Version and "
    "Tag-File-Character-Encoding), remove the others",
    bagit_line_absent="bagit.txt has no line {line}; it must read '{label}: ...'",
    bagit_line_wrong=_BAGIT_LINE + " is {text!r}; it must read '{label}: ...'",
    bagit_space_before_colon=_BAGIT_LINE + " has whitespace before the colon, which BagIt 1.0 does not allow; "
    "write 'Label: value'",
    version_syntax="BagIt-Version {value!r} is not a version number of the form M.N (e.g. 1.0)",
    encoding_unknown="Tag-File-Character-Encoding {value!r} is not a known character encoding; use UTF-8",
    info_indented="{path} line {line} is indented but no label comes before it",
    info_no_colon="{path} line {line} {text!r} has no colon; write 'Label: value', and indent lines that continue "
    "the value above",
    info_empty_label="{path} line {line} has an empty label")
define_situations(  # manifests and fetch.txt: syntax, paths, coverage
    "E502", ERROR, "{problem}", **_UNREADABLE, **_UNDECODABLE, **_MANIFEST_LINES, **_PAYLOAD_STRICT,
    no_payload_manifest="no payload manifest (manifest-<algorithm>.txt) in the bag; add one (sha512): without it "
    "nothing can be verified",
    no_supported_algorithm="no payload manifest uses a supported checksum algorithm ({manifests}), so no payload "
    "file can be verified; add a manifest-sha512.txt",
    folder_listed="{manifests} list the folder {path}; manifests list files only, remove the line",
    link_outside="{path} is a symbolic link to {target}, outside the bag; replace it with the file itself",
    percent_bad=_ENTRY + "path {entry!r} has a '%' that is not followed by two hex digits; from BagIt 1.0 a literal "
    "'%' must be written as %25",
    percent_not_utf8=_ENTRY + "path {entry!r} percent-decodes to bytes that are not UTF-8",
    unsafe_path=_ENTRY + "unsafe path {entry!r}: {reason}; a bag may only refer to files inside itself",
    no_file=_ENTRY + "path {entry!r} names no file",
    fetch_outside_data=_ENTRY + "fetch.txt target {entry!r} is not under data/; fetch.txt may list only payload "
    "files",
    fetch_syntax="fetch.txt line {line} is not 'URL LENGTH PATH'",
    fetch_length="fetch.txt line {line}: length {length!r} must be a number of octets or '-'",
    fetch_not_url="fetch.txt line {line}: {url!r} is not a URL")
define("E503", ERROR, "checksum mismatch: {algorithm} of {file} is {actual}, manifest says {expected}; the file "
       "changed after bagging: ask the depositor for a fresh copy")
define("E504", ERROR, "file {file} is listed in {manifest} but missing from the bag; restore it or ask the "
       "depositor to send the bag again")
define("E505", ERROR, "file {file} is in the payload but not listed in {manifest}; remove it, or re-bag if it "
       "belongs to the deposit")
define("E506", ERROR, "Payload-Oxum mismatch: bag-info says {expected}, payload is {actual}; files were added, "
       "removed or changed after bagging (see the other problems)")
define_situations(  # legal but risky
    "W507", WARNING, "{problem}", **_PAYLOAD_STRICT, **_TAG_STRICT,
    found_as="{path} line {line} names {listed!r}, found on disk as {found!r} ({how})",
    tag_file_unlisted="tag file {path} is in no tag manifest, so a change to it would go unnoticed",
    name_not_utf8_archive="the name {path!r} is not valid UTF-8 in the archive; manifests cannot name it portably",
    name_not_utf8_disk="the name {path!r} is not valid UTF-8 on disk; manifests cannot name it portably, rename it",
    link_to_folder="{path} is a symbolic link to a folder and is not followed; replace it with the folder itself",
    link_inside="{path} is a symbolic link to {target} in the bag; copies, archives and Windows lose or break "
    "links, replace it with the file itself",
    bagit_blank_lines="bagit.txt ends with blank lines; remove them",
    bagit_space_before_colon=_BAGIT_LINE + " has whitespace before the colon; write 'Label: value'",
    bagit_spacing=_BAGIT_LINE + " needs exactly one space after the colon and no trailing whitespace; strict "
    "readers reject it",
    version_unknown="BagIt-Version {version} is not a published version (0.93-0.97, 1.0); checked with the rules "
    "of the nearest one",
    utf16_no_bom="{path} is UTF-16 without a byte-order mark; read as big-endian",
    tag_file_bom="{path} starts with a byte-order mark; {encoding} tag files are written without one",
    info_space_before_colon="{path} line {line}: whitespace before the colon is not allowed from BagIt 1.0; write "
    "'{label}: ...'",
    info_space_after_colon="{path} line {line}: put one space after the colon",
    fetch_file_url="fetch.txt line {line}: {url} is a local file URL, meaningless on another machine",
    algorithm_unsupported="{path}: checksum algorithm {algorithm!r} is not supported, so this manifest cannot be "
    "verified; use sha256 or sha512",
    algorithm_case="{path}: algorithm names are lower case (manifest-{lower}.txt)",
    listed_twice_same="{path} lines {first} and {line} list {file} twice (same checksum); remove the duplicate",
    percent_extra=_ENTRY + "path {entry!r} percent-encodes characters other than %, CR and LF; read as "
    "{decoded!r}, but other tools may not decode it",
    backslash=_ENTRY + "path {entry!r} contains a backslash, which Windows reads as a folder separator; rename the "
    "file for portability",
    empty_parts=_ENTRY + "path {entry!r} has empty or '.' parts; read as {clean!r}")
define_situations(  # tag manifests
    "E508", ERROR, "{problem}", **_UNDECODABLE, **_MANIFEST_LINES, **_TAG_STRICT,
    tag_file_missing="tag file {path} is listed in {manifest} line {manifest_line} but missing from the bag; "
    "restore it or remove the line",
    tag_lists_payload="{path} lists payload file {entry}; tag manifests may list only tag files (payload files "
    "belong in manifest-<alg>.txt)")
define("E509", ERROR, "incomplete bag: {file} is to be fetched from {url} (fetch.txt) but is not present; "
       "fetch it into the bag, then validate again")
# 510-519: serialized bags (tar, tar.gz, zip), read in place
_ONE_FOLDER = "a serialized bag unpacks to one folder holding bagit.txt and data/"
define_situations(  # unsafe or unusable member, layout of the archive
    "E510", ERROR, "{problem}", "archive-member",
    member_empty_name="archive member {path!r} has an empty name",
    member_unsafe="archive member {path!r} has an unsafe path ({reason}); unpacking it would write outside the "
    "target folder",
    member_second_top="archive member {path!r} is in a second top folder {top}/; a serialized bag unpacks to "
    "exactly one folder, the bag ({first}/): put one bag in each archive",
    member_twice="archive member {path!r} appears more than once; unpacking keeps only the last copy, so what is "
    "checked here might not be what is unpacked: rebuild the archive",
    member_link="archive member {path!r} is a {link} link to {target!r}; an archived bag must hold the files "
    "themselves (unpacking a link can write outside the target folder)",
    member_special="archive member {path!r} is a {kind}, not a regular file; remove it and rebuild the archive",
    member_encrypted="archive member {path} is encrypted, so it cannot be verified; send it unencrypted",
    loose_files="{count} file(s) lie at the top of the archive, outside any folder ({shown}); " + _ONE_FOLDER
    + ": archive the bag's folder itself, not its contents",
    no_folder="{path} holds no folder; " + _ONE_FOLDER)
define("E511", ERROR, "{path} would expand to {declared:,} bytes or more ({cause}), over {ratio} times its own "
       "size of {size:,} bytes: reading stopped, as for an archive bomb. If the bag is genuine, unpack it with "
       "care and validate the folder", "archive-bomb")
# draft-kunze-bagit-14 §4: the top folder SHOULD be named like the archive
define("W512", WARNING, "the archive's top folder is {path} but the archive is named {archive}; the BagIt "
       "serialization rules ask for the same name ({expected}/), and some repositories (APTrust) refuse the bag "
       "otherwise", "top-directory-name")
define_situations(  # not an archive we can read, or damaged
    "E513", ERROR, "{problem}", "archive-unreadable",
    not_a_file="{path} is neither a folder nor a regular file; give the bag's folder or its archive",
    not_an_archive="{name} is not a bag folder, nor a tar, tar.gz or zip archive (checked by its first bytes); "
    "give the bag's folder or its .tar, .tar.gz, .tgz or .zip file",
    damaged="{path} cannot be read as an archive: {error}; it may be truncated or damaged: ask for a new copy")
# 520-529: named lint warnings: legal, but risky for other tools or later readers
_CLASH = "; they are one file on macOS and Windows file systems; rename one of them"
define("W520", WARNING, "{other!r} and {path!r} differ only in case" + _CLASH, "case-clash")
define("W521", WARNING, "{other!r} and {path!r} differ only in Unicode normalization (NFC/NFD)" + _CLASH,
       "normalization-clash")
define("W522", WARNING, "{path} is an operating-system housekeeping file, not content; remove it from the payload "
       "before bagging", "os-junk-file")
define("W523", WARNING, "{path} line {line}: '*' before the path is an md5sum 'binary mode' marker, not part of "
       "BagIt; read the path without it", "md5sum-marker")
define("W524", WARNING, "{path} line {line}: path starts with './'; write paths relative to the bag without it "
       "(some tools then miss the file)", "leading-dot-slash")
define("W525", WARNING, "BagIt-Version {version} is a draft older than RFC 8493 (BagIt 1.0, 2018); it was checked "
       "with its own rules, but current tools may read it differently: re-bag it as 1.0 when convenient",
       "old-bagit-version")
define("W526", WARNING, "the bag has no tag manifest, so a change to bag-info.txt or to the manifests themselves "
       "would go unnoticed; add tagmanifest-sha512.txt", "no-tag-manifest")
define_situations(
    "W527", WARNING, "{problem}", "manifests-differ",
    payload="{path} is listed in {listed} but not in {absent}; from BagIt 1.0 every payload manifest must list "
    "every file",
    tag="the tag manifests list different files ({summary}); each should list the same tag files")
define("W528", WARNING, "{folder}/ holds a bagit.txt: a bag inside the payload. Its own manifests are not checked "
       "(it is only payload here), and tools that look for bags may take it for one; deposit it as a bag of its "
       "own, or serialize it (.tar) inside the payload", "bag-in-bag")
define("W529", WARNING, "{manifests}: {algorithms} is a weak checksum (collisions can be made on purpose) and no "
       "{kind} manifest uses a strong one; add a {prefix}-sha512.txt", "weak-algorithm")
# 530-539: BagIt profiles (packager/validate/profile.py)
define("E530", ERROR, "{file}: required tag {tag} is missing{reason}; add the line '{tag}: ...' to {file} "
       "(profile {profile}){hint}", "profile-tag-missing")
define("E531", ERROR, "{file}: {tag} is {value!r}, a value profile {profile} does not allow; use one of: "
       "{allowed}", "profile-tag-value")
define("E532", ERROR, "{file}: {tag} appears {count} times, but profile {profile} does not allow it to repeat; "
       "keep one line", "profile-tag-repeated")
define("E533", ERROR, "{file}: {tag} is empty, but profile {profile} requires a value; fill it in{hint}",
       "profile-tag-empty")
define_situations(  # manifests and tag manifests required / allowed
    "E534", ERROR, "{problem}", "profile-manifest",
    required="{kind} {path} is missing: profile {profile} requires {required}; make the bag again with "
    "{algorithm} {kind}s",
    not_allowed="{kind} {path} uses {algorithm}, which profile {profile} does not allow (allowed: {allowed}); make "
    "the bag again without it")
define_situations(  # tag files, payload files, Data-Empty
    "E535", ERROR, "{problem}", "profile-files",
    tag_file_required="tag file {path} is required by profile {profile} but missing; add it",
    tag_file_not_allowed="tag file {path} is not allowed by profile {profile} (allowed: {allowed}); remove it from "
    "the bag",
    payload_required="payload {kind} {path} is required by profile {profile} but missing; add it",
    payload_not_allowed="payload file {path} is not allowed by profile {profile} (allowed: {allowed}); remove it, "
    "or check that it belongs here",
    data_not_empty="profile {profile} requires an empty payload (no file, or one zero-length file), but {state}; "
    "this profile is for bags without payload")
define_situations(  # Allow-Fetch.txt, Fetch.txt-Required
    "E536", ERROR, "{problem}", "profile-fetch",
    not_allowed="fetch.txt is present, but profile {profile} does not allow it; fetch the files into the bag and "
    "remove fetch.txt (update the tag manifests)",
    required="profile {profile} requires a fetch.txt, and the bag has none; add the fetch.txt the profile expects")
define_situations(  # Serialization, Accept-Serialization, folder name
    "E537", ERROR, "{problem}", "profile-serialization",
    folder="the bag is a folder, but profile {profile} requires a serialized bag ({formats}); package it as one",
    forbidden="the bag is serialized ({serialization}), but profile {profile} forbids serialization; send the bag "
    "as a folder",
    format="the bag is serialized as {serialization}, which profile {profile} does not accept ({formats}); package "
    "it again in an accepted format",
    folder_name="the archive's top folder is {folder!r} but profile {profile} requires it to be named like the "
    "archive, {archive!r}; rename the folder or the archive")
define("E538", ERROR, "bagit.txt declares {declared}, but profile {profile} accepts only {accepted}; the bag must "
       "be made again with an accepted version", "profile-bagit-version")
define_situations(  # BagIt-Profile-Identifier
    "E539", ERROR, "bag-info.txt: {problem}", "profile-not-declared",
    other="the bag declares BagIt-Profile-Identifier {declared}, not {identifier}; it was made for another "
    "profile: check it against that one, or add 'BagIt-Profile-Identifier: {identifier}' if it conforms to both",
    undeclared="the bag does not declare the profile it conforms to, which the BagIt Profiles specification "
    "requires; add 'BagIt-Profile-Identifier: {identifier}' to bag-info.txt")
define("W530", WARNING, "profile {source}: BagIt-Profile-Info lacks {fields}, which the BagIt Profiles "
       "specification requires; the profile is used anyway, but ask its publisher to complete it",
       "profile-info-incomplete")
define("W531", WARNING, "profile {source}: {key} is not a field of a {format}; it is ignored (check its "
       "spelling)", "profile-field-unknown")
define_situations(
    "W532", WARNING, "profile {source}: {problem}", "profile-questionable",
    identifier_tag="Bag-Info lists BagIt-Profile-Identifier, which the specification says it should not (the tag "
    "is always required); the bag's declaration is checked anyway",
    any_version="it names no accepted BagIt version ({field_name}), so any version is accepted",
    any_serialization="it lists no accepted serialization ({field_name}), so any archive format is accepted",
    uncovered="required {kind} {entry} is not covered by the allowed patterns ({allowed}), so a bag that has it "
    "fails either way",
    trailing_slash="{field_name} entry {entry!r} ends with '/': read as {read_as!r} (the specification asks for "
    "'/*' to allow a directory)")
define("W533", WARNING, "{file}: tag {tag} is recommended by profile {profile} but {state}{hint}; add it if "
       "the information is known", "profile-tag-recommended")
# 540-549: what validate could not check
define("I540", INFO, "the bag declares the BagIt profile {identifier}; it was not checked (profiles are never "
       "fetched from the network): pass --profile FILE to check it", "profile-not-checked")
define("I541", INFO, "{count:,} more {omitted} {kind}(s) like those above were found and not listed (a report "
       "lists the first {limit} of each code); the verdict and the totals count them: fix the cause of those listed, "
       "then validate again", "issues-not-listed")
# 542-546: bag groups, bags that hold one collection together (validate/group.py; RFC 8493 §2.2.2)
_REGROUP = "make the group again (packager bag --max-bag-size)"
_FIX = "correct its bag-info.txt (and tag manifests) or " + _REGROUP
_REPEATED = dict(repeated="bag-info.txt gives {label} {count} times with different values ({values}); keep one")
define_situations(
    "E542", ERROR, "{problem}", "group-identifier", **_REPEATED,
    not_a_group="none of the {count} bags declares Bag-Group-Identifier or Bag-Count, so they are not a bag group; "
    "validate each bag on its own, or " + _REGROUP,
    missing="no Bag-Group-Identifier in bag-info.txt, which every bag of a group gives; " + _FIX,
    differs="the bag belongs to group {value!r}, {others} to {group!r}; validate each group on its own")
define_situations(
    "E543", ERROR, "{problem}", "bag-count", **_REPEATED,
    missing="no Bag-Count in bag-info.txt, so the bag's place in the group is unknown; add 'Bag-Count: K of N' "
    "(its number K of N bags): " + _FIX,
    syntax="Bag-Count {value!r} is not 'K of N' (two whole numbers separated by 'of'; N may be '?'); " + _FIX,
    out_of_range="Bag-Count {value!r}: bag number {number} is not between 1 and {total}; " + _FIX,
    totals_differ="the bags disagree about the group's size ({totals}), so its completeness cannot be checked: "
    "check that they are one group, or " + _REGROUP)
define_situations(
    "E544", ERROR, "{problem}", "group-incomplete",
    missing="group {group!r} has {total} bags, but bag(s) {numbers} are not among those given; find them and "
    "validate the whole group",
    missing_below="bag(s) {numbers} of group {group!r} are not among those given, though bag {highest} is; find "
    "them and validate the whole group",
    twice="{bags} all say they are bag {number}; keep one if they are copies, otherwise " + _REGROUP)
define_situations(
    "E545", ERROR, "{problem}", "group-overlap",
    file="{file} is in {first} and in {other}; a group holds each file once: remove one copy (and update that "
    "bag's manifests) or " + _REGROUP,
    identifier="item {identifier!r} is in {first} and in {other} ({file}); a group holds each item once: remove "
    "one or " + _REGROUP)
define_situations(
    "W542", WARNING, "{problem}", "group-total-unknown",
    unknown="every bag gives the total as '?', so the group cannot be proven complete (bags {numbers} found); ask "
    "the depositor how many bags it has",
    some_unknown="Bag-Count {value!r} leaves the total unknown, the other bags say {total}; checked as one of "
    "{total}")
define("W543", WARNING, "the name says bag {name_number} of {name_total} ({suffix}), but Bag-Count is {value!r}; "
       "rename the bag or correct its Bag-Count", "group-name")
define_situations(
    "W544", WARNING, "{problem}", "not-a-bag",
    folder="{name}/ in {folder} has no bagit.txt, so it was not checked; if it is a bag of the group, restore it",
    file="{name} in {folder} is not a bag folder nor a .tar, .tar.gz, .tgz or .zip file; it was not checked",
    unfinished="{name}/ in {folder} is a bag still being written (or left by a stopped run); it was not checked")
define("W545", WARNING, "the bag was given more than once ({names}); it was checked once", "bag-given-twice")
define_situations(
    "I542", INFO, "{problem}", "group-not-compared",
    unreadable="the bag could not be read (see its report), so it was not compared with the other bags",
    no_csv="no {csv} (not a packager bag): its item identifiers were not compared with the other bags', its "
    "files were",
    csv_unreadable="{csv} could not be read ({error}): its item identifiers were not compared with the other "
    "bags', its files were",
    no_metadata="item identifiers were not compared between bags (metadata layer skipped); files were")

# --- 6xx metadata validation ------------------------------------------------
# W620: the embedded tags could not be read (no ExifTool); everything else was checked
define("W620", WARNING, "embedded metadata not checked: {reason}; the BagIt layer and the sidecars were checked, "
       "the tags inside the images were not. Install ExifTool and validate again", "metadata-not-read")
define("E601", ERROR, "{file}: Dublin Core record is not valid against {schema}: {error}")
_CSV_LINE = "metadata.csv, line {line}: "
_SIDECAR_NOT_READ = dict(  # a sidecar (E602) or the originals checksum file (E605) could not be read
    refused="{path} was not read: the BagIt layer refused it ({why}); its checks were skipped",
    unreadable="{path} was not read ({error}); its checks were skipped: " + REPACKAGE + " or ask the depositor for "
    "a usable copy")
define_situations(  # the sidecars against the payload and each other
    "E602", ERROR, "{problem}", **_SIDECAR_NOT_READ,
    folder_blocked="{path} was not read, so the metadata layer was not checked: {why}",
    csv_missing="{path} is missing, but bag-info.txt names packager as the bag's maker and packager always writes "
    "it; " + REPACKAGE,
    csv_row=_CSV_LINE + "{reason}",
    csv_header=_CSV_LINE + "{reason}; no row could be read, so the checks that need rows were skipped",
    row_outside_objects=_CSV_LINE + "the row names {filename!r}, which is not under {objects}; write {objects}<name>",
    row_outside_objects_or_transfer=_CSV_LINE + "the row names {filename!r}, which is not under {objects}; write "
    "{objects}<name> (or Archivematica's {transfer}/<name>)",
    row_climbs=_CSV_LINE + "the row names {filename!r}, which has empty, '.' or '..' parts and could lead out of "
    "{objects}; it was not read: write the plain path of the object",
    row_repeated=_CSV_LINE + "{filename} describes {target}, which line {first} describes already; keep one row",
    row_refused=_CSV_LINE + "{filename} names {target}, which the BagIt layer refused (a link out of the bag or a "
    "special file); it was not read: replace it with the file itself",
    row_folder=_CSV_LINE + "{filename} names the folder {target}; packager writes one row per file: " + REPACKAGE,
    row_missing_file=_CSV_LINE + "{filename} names a file that is not in the payload; remove the row or restore "
    "{target}",
    object_without_row="metadata.csv: payload file {file} has no row; every object needs its description",
    dc_blocked="{path} was not read: {why}",
    dc_missing="the Dublin Core records folder {path} is missing; " + REPACKAGE,
    dc_twice="{path} describes {identifier!r} again ({other} does already); keep one",
    dc_disagrees="{path} and the metadata.csv row for {payload} disagree: {difference}",
    dc_without_row="{path} describes {identifier!r}, which has no row in metadata.csv",
    dc_no_identifier="{path} has no dc:identifier, so no row of metadata.csv can be matched with it; " + REPACKAGE,
    row_without_dc="{path} ({identifier}) has no Dublin Core record in {folder}",
    collection_record_missing="the collection's Dublin Core record is missing",
    records_missing="{path} (the full records, with each image's pixel digest) is missing from a bag written by "
    "packager; " + REPACKAGE,
    records_not_json="{path} is not valid JSON ({error}); " + REPACKAGE,
    records_no_items="{path} has no 'items' list of records; " + REPACKAGE,
    records_value_too_long="{path} holds a value of more than 8 MiB (no double quote for that long), which no "
    "record needs; it was read no further: " + REPACKAGE,
    records_missing_row="{path} has no record of {payload}, which has a row in metadata.csv; " + REPACKAGE,
    records_disagree="{path} and metadata.csv disagree about {payload}: {difference}",
    records_without_row="{path} describes {payload}, which has no row in metadata.csv",
    records_no_pixel_digest="{path} gives no pixel digest ({key}: 64 lowercase hex digits, after 'jpeg:' for a "
    "JPEG's image data) for {payload}, so its "
    "pixels cannot be proven unchanged; " + REPACKAGE)
define("E603", ERROR, "{file}: embedded {tag} is {actual!r} but the sidecar record says {expected!r}; "
       "the image or its record changed after packaging: ask the depositor to package it again")
define("E604", ERROR, "{file}: IIM {tag} is {actual!r} but should be the XMP value clipped to {limit} bytes: "
       "{expected!r}; readers that prefer IIM would show a different value: package the image again")
_CUSTODY = "the chain of custody is broken: " + REPACKAGE
_ORIGINALS_LINE = ("; each line must read '<algorithm> <lowercase hex>  <path>' (sha256 and sha512 for every path) "
                   "under the header")
define_situations(  # the originals checksum file
    "E605", ERROR, "{problem}", **_SIDECAR_NOT_READ,
    missing="{path} (checksums of the untouched originals) is missing; " + _CUSTODY,
    bad_line="{path}, line {line}: {reason}" + _ORIGINALS_LINE,
    bad_file="{path}: {reason}" + _ORIGINALS_LINE,
    no_original="{path} has no checksum of the original of {payload}; " + _CUSTODY,
    no_object="{path} lists the original {original}, but the bag has no object made from it: an item was removed "
    "after packaging; ask the depositor for the complete package")
define_situations(  # cannot read an image or its embedded metadata
    "E606", ERROR, "{file}: {problem}",
    not_copied="it could not be read from the bag (no local copy could be made); validate again, or ask for a new "
    "copy of the bag",
    undecodable="cannot decode the image ({why}); restore it from the depositor's copy",
    tags_unreadable="its embedded metadata could not be read ({error}); if the image is damaged, restore it from "
    "the depositor's copy, otherwise validate again")
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
define("W608", WARNING, "{detail}")  # no caller: nothing raises it, so it has no sentence yet
# 611-619: the metadata layer of bags another tool wrote, and metadata.csv's form (validate/metacsv.py, sidecars.py)
define("W611", WARNING, "{path} has no row in metadata.csv (nor has a folder above it), so it is kept without a "
       "description; add a row if it should have one", "object-without-row")
define_situations(  # foreign bag: which filename form metadata.csv uses
    "I612", INFO, "{problem}", "csv-path-form",
    transfer="metadata.csv names objects as {transfer}/… (Archivematica's form, relative to data/); they were read "
    "as {objects}…",
    bag="metadata.csv names objects as {objects}… (paths in the bag); Archivematica expects {transfer}/… if the bag "
    "is to be ingested there")
define("W613", WARNING, "metadata.csv names {bag_count} object(s) as {objects}… and {transfer_count} as {transfer}/… "
       "(Archivematica's form); both were read, but tools that expect one form will miss the others: use one form",
       "csv-mixed-path-forms")
define_situations(  # foreign bag: a file at our sidecar path, not in our format
    "W614", WARNING, "{problem}", "sidecar-not-checked",
    dc_record="{path} is not a packager Dublin Core record (no {namespace} namespace), so it was not checked",
    originals="{path} does not start with {magic!r}, so it is not a packager originals checksum file and was not "
    "checked",
    records_not_json="{path} is not valid JSON ({error}), so it is not packager's records file and was not checked",
    records_no_items="{path} has no 'items' list of records, so it is not packager's records file and was not "
    "checked",
    records_value_too_long="{path} holds a value of more than 8 MiB, so it is not packager's records file and was "
    "not checked")
define("W615", WARNING, "{path} starts with a UTF-8 byte order mark; older Archivematica releases then miss the "
       "'filename' column: save it as UTF-8 without BOM", "csv-bom")
# 621-629: mets.xml and premis.xml (validate/mets.py) are defined in .receiving_mets, into SITUATIONS above

"""BagIt profiles: third-party profiles and bags (bagit-java, APTrust/DART, LoC Bagger) with the verdicts
their READMEs record, synthetic profiles for every field of the specification 1.4.0, and our own profile
against a bag the pipeline wrote.

BagFacts are built here from folders and, for serialized bags, from archive members read in memory
(nothing is extracted to disk); the validator builds them for real.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from packager import pipeline, schemas
from packager.model import Issue
from packager.validate.profile import (
    PACKAGER_PROFILE_ID,
    BagFacts,
    Profile,
    ProfileError,
    builtin_profile,
    check_profile,
    load_profile,
    load_profile_bytes,
)
from packager.validate.profile_formats import matches, pattern

from .conftest import CONFORMANCE

JAVA = CONFORMANCE / "bagit-java-test-resources"
DART = CONFORMANCE / "aptrust-dart-testbags"
DART_BAGS = DART / "bags"
DART_PROFILES = DART / "profiles"


# --- building BagFacts -----------------------------------------------------------------------------------
def parse_tag_file(data: bytes) -> list[tuple[str, str]] | None:
    """'Label: value' pairs (continuation lines folded in), or None when the file is not in that form."""
    pairs: list[tuple[str, str]] = []
    for line in data.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines():
        if line[:1] in (" ", "\t") and pairs:
            pairs[-1] = (pairs[-1][0], f"{pairs[-1][1]} {line.strip()}")
        elif ":" in line:
            label, value = line.split(":", 1)
            pairs.append((label.strip(), value.strip()))
        elif line.strip():
            return None
    return pairs


def facts_from(files: dict[str, bytes | None], bag_name: str, serialization: str | None = None,
               archive_name: str | None = None) -> BagFacts:
    """BagFacts from a bag's files: bag-relative path -> bytes (top-level .txt files) or None (others)."""
    tag_fields = {}
    for rel, data in files.items():
        manifest = rel.startswith(("manifest-", "tagmanifest-")) or rel == "fetch.txt"
        if data is not None and "/" not in rel and rel.endswith(".txt") and not manifest:
            pairs = parse_tag_file(data)
            if pairs is not None:
                tag_fields[rel] = pairs
    version = next((v for label, v in tag_fields.get("bagit.txt", []) if label == "BagIt-Version"), None)
    names = [rel for rel in files if "/" not in rel]
    return BagFacts(
        version=version, tag_fields=tag_fields,
        payload_algorithms=tuple(n[len("manifest-"):-4] for n in names if n.startswith("manifest-")),
        tag_algorithms=tuple(n[len("tagmanifest-"):-4] for n in names if n.startswith("tagmanifest-")),
        payload_files=tuple(sorted(rel for rel in files if rel.startswith("data/"))),
        tag_files=tuple(sorted(rel for rel in files if not rel.startswith("data/"))),
        has_fetch="fetch.txt" in files, serialization=serialization, bag_name=bag_name, archive_name=archive_name)


def folder_facts(bag: Path) -> BagFacts:
    files = {p.relative_to(bag).as_posix(): (p.read_bytes() if p.parent == bag else None)
             for p in bag.rglob("*") if p.is_file()}
    return facts_from(files, bag.name)


SERIALIZATIONS = {".tar.gz": "application/tar+gzip", ".tgz": "application/tar+gzip", ".tar": "application/tar",
                  ".zip": "application/zip"}


def archive_facts(archive: Path) -> BagFacts:
    """Facts from a tar/tar.gz/zip read in memory: one top folder, which is the bag."""
    suffix = next(s for s in SERIALIZATIONS if archive.name.endswith(s))
    members: dict[str, bytes | None] = {}
    top = ""
    if suffix == ".zip":
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    top, _, rel = info.filename.partition("/")
                    members[rel] = zf.read(info) if "/" not in rel else None
    else:
        with tarfile.open(archive, "r:*") as tf:
            for member in tf.getmembers():
                if member.isfile():
                    top, _, rel = member.name.partition("/")
                    handle = tf.extractfile(member) if "/" not in rel else None
                    members[rel] = handle.read() if handle else None
    return facts_from(members, top, SERIALIZATIONS[suffix], archive.name[:-len(suffix)])


def found(result: list[Issue], *, notes: bool = False) -> list[tuple[str, str | None]]:
    """(code, field or path) of each issue; profile warnings (about the profile file) left out unless asked."""
    return [(i.code, i.field or i.path) for i in result if notes or not i.code.startswith(("W530", "W531", "W532"))]


# --- bagit-java: exampleProfile.json and its nine bags --------------------------------------------------------
JAVA_VERDICTS = {
    "profileConformantBag": [],
    "emailFieldMissingBag": [("E530", "Contact-Email")],
    "wrongValueForContactNameBag": [("E531", "Contact-Name")],
    "repeatedMetadataBag": [("E532", "Bagging-Date")],
    "missingRequiredPayloadManifestBag": [("E534", "manifest-md5.txt")],
    "missingRequiredTagManifestBag": [("E534", "tagmanifest-md5.txt")],
    "missingRequiredTagFileBag": [("E535", "DPN/dpnFirstNode.txt"), ("E535", "DPN/dpnRegistry")],
    "failFetchBag": [("E536", "fetch.txt")],
    "wrongBagitVersionBag": [("E538", "BagIt-Version")],
}


@pytest.fixture(scope="module")
def example_profile() -> Profile:
    return load_profile(JAVA / "bagitProfiles" / "exampleProfile.json")


def test_example_profile_lacks_only_the_spec_version_and_is_still_usable(example_profile: Profile) -> None:
    assert example_profile.identifier == "http://canadiana.org/standards/bagit/tdr_ingest.json"
    assert [(n.code, n.severity) for n in example_profile.notes] == [("W530", "warning")]
    assert "BagIt-Profile-Version (required since 1.2.0)" in example_profile.notes[0].message
    assert len(example_profile.tags) == 14 and example_profile.serialization == "forbidden"


@pytest.mark.parametrize("name", sorted(JAVA_VERDICTS))
def test_bagit_java_profile_bags_get_the_readme_verdict(example_profile: Profile, name: str) -> None:
    facts = folder_facts(JAVA / "bagitProfileTestBags" / name)
    result = check_profile(example_profile, facts)
    # None of the nine declares BagIt-Profile-Identifier (README): the spec's MUST, reported as E539 each time.
    assert sorted(found(result)) == sorted(JAVA_VERDICTS[name] + [("E539", "BagIt-Profile-Identifier")])
    declared = dict(facts.tag_fields, **{"bag-info.txt": facts.tag_fields["bag-info.txt"] + [
        ("BagIt-Profile-Identifier", example_profile.identifier)]})
    assert found(check_profile(example_profile, replace(facts, tag_fields=declared))) == JAVA_VERDICTS[name]


def test_bagit_java_messages_name_the_defect(example_profile: Profile) -> None:
    def messages(name: str) -> list[str]:
        facts = folder_facts(JAVA / "bagitProfileTestBags" / name)
        return [i.message for i in check_profile(example_profile, facts) if i.code not in ("W530", "E539")]

    (wrong,) = messages("wrongValueForContactNameBag")
    assert "Contact-Name is 'john scancella'" in wrong and "'Mark Jordan', 'Nick Ruest'" in wrong
    (missing,) = messages("emailFieldMissingBag")
    assert missing.startswith("bag-info.txt: required tag Contact-Email is missing; add the line 'Contact-Email: ...'")
    (repeated,) = messages("repeatedMetadataBag")
    assert "Bagging-Date appears 2 times" in repeated
    (version,) = messages("wrongBagitVersionBag")
    assert "BagIt-Version 0.97" in version and "accepts only 0.96" in version


# --- APTrust / DART ---------------------------------------------------------------------------------------
STORAGE = ("E530", "Storage-Option")
APTRUST_22 = {
    "example.edu.sample_good.tar": [],
    "example.edu.sample_good.zip": [("E537", "example.edu.sample_good")],
    "example.edu.tagsample_good.tar": [],
    # APTrust accepts plain tar only (its bagging rules: "MUST not use compression"); the contents conform.
    "example.edu.tagsample_good.tar.gz": [("E537", "example.edu.tagsample_good")],
    "example.edu.tagsample_good.tgz": [("E537", "example.edu.tagsample_good")],
    "example.edu.tagsample_bad.tar": [("E533", "Title"), ("E531", "Access"), ("E531", "Storage-Option")],
    "example.edu.sample_bad_oxum.tar": [],  # its defect is the Oxum: BagIt validation, not the profile
    "example.edu.sample_missing_data_file.tar": [("E530", "Access"), STORAGE],
    "example.edu.sample_no_data_dir.tar": [STORAGE],
    "example.edu.sample_no_md5_manifest.tar": [("E534", "manifest-md5.txt"), STORAGE],
    "example.edu.sample_no_bag_info.tar": [("E530", "Source-Organization"), ("E530", "Access"), STORAGE],
    "example.edu.sample_wrong_folder_name.tar": [("E537", "example.edu.sample_wrong_folder_name"), STORAGE],
    "test.edu.sample_illegal_control.tar": [STORAGE],
    "virginia.edu.uva-lib_2278801.tar": [("E530", "Access"), STORAGE],
    "test.edu.btr-glacier-deep-oh.tar": [("E534", "manifest-md5.txt"), ("E530", "Title"), ("E530", "Access"),
                                         STORAGE],
}


@pytest.fixture(scope="module")
def dart_facts() -> dict[str, BagFacts]:
    return {p.name: archive_facts(p) for p in sorted(DART_BAGS.iterdir())}


def test_every_dart_bag_has_a_verdict(dart_facts: dict[str, BagFacts]) -> None:
    assert set(APTRUST_22) | {"test.edu.btr-wasabi-or.tar"} == set(dart_facts)


@pytest.mark.parametrize("name", sorted(APTRUST_22))
def test_aptrust_22_verdicts(dart_facts: dict[str, BagFacts], name: str) -> None:
    profile = load_profile(DART_PROFILES / "builtin" / "aptrust-v2.2.json")
    assert profile.notes == ()
    assert found(check_profile(profile, dart_facts[name])) == APTRUST_22[name]


def test_aptrust_23_no_longer_requires_source_organization(dart_facts: dict[str, BagFacts]) -> None:
    profile = load_profile(DART_PROFILES / "builtin" / "aptrust-v2.3.json")
    assert found(check_profile(profile, dart_facts["example.edu.sample_no_bag_info.tar"])) == [
        ("E530", "Access"), STORAGE]
    assert found(check_profile(profile, dart_facts["example.edu.sample_good.tar"])) == []


def test_tagsample_bad_names_the_three_aptrust_info_defects(dart_facts: dict[str, BagFacts]) -> None:
    profile = load_profile(DART_PROFILES / "builtin" / "aptrust-v2.2.json")
    title, access, storage = check_profile(profile, dart_facts["example.edu.tagsample_bad.tar"])
    assert title.path == "aptrust-info.txt" and "Title is empty" in title.message
    assert "Access is 'acksess'" in access.message and "'Consortia', 'Institution', 'Restricted'" in access.message
    assert "Storage-Option is 'Cardboard-Box'" in storage.message and "'Standard'" in storage.message


def test_tag_in_an_absent_tag_file_names_the_file(dart_facts: dict[str, BagFacts]) -> None:
    profile = load_profile(DART_PROFILES / "builtin" / "aptrust-v2.2.json")
    result = check_profile(profile, dart_facts["example.edu.sample_no_bag_info.tar"])
    assert result[0].message.startswith("bag-info.txt: required tag Source-Organization is missing (the bag has "
                                        "no bag-info.txt)")
    btr = check_profile(profile, dart_facts["test.edu.btr-glacier-deep-oh.tar"])
    assert all("(the bag has no aptrust-info.txt)" in i.message for i in btr if i.code == "E530")


def test_serialization_and_folder_name_messages(dart_facts: dict[str, BagFacts]) -> None:
    profile = load_profile(DART_PROFILES / "builtin" / "aptrust-v2.2.json")
    (zipped,) = check_profile(profile, dart_facts["example.edu.sample_good.zip"])
    assert "serialized as application/zip" in zipped.message and "accepted: application/tar" in zipped.message
    renamed = check_profile(profile, dart_facts["example.edu.sample_wrong_folder_name.tar"])[0]
    assert "top folder is 'wrong_folder_name'" in renamed.message
    assert "'example.edu.sample_wrong_folder_name'" in renamed.message
    gz = dart_facts["example.edu.tagsample_good.tgz"]
    assert check_profile(profile, replace(gz, serialization="application/x-tar")) == []


@pytest.mark.parametrize("bag", ["test.edu.btr-glacier-deep-oh.tar", "test.edu.btr-wasabi-or.tar"])
def test_btr_bags_against_the_btr_profiles(dart_facts: dict[str, BagFacts], bag: str) -> None:
    facts = dart_facts[bag]
    for name in ("btr-v1.0.json", "btr-v1.0-1.3.0.json"):
        assert found(check_profile(load_profile(DART_PROFILES / "builtin" / name), facts)) == []
    # The spec-format BTR profile: these DART-made bags declare the pre-release identifier (".../master/...").
    standard = load_profile(DART_PROFILES / "test" / "btr_standard_profile.json")
    result = check_profile(standard, facts)
    assert found(result) == [("W533", "Internal-Sender-Identifier"), ("W533", "Internal-Sender-Description"),
                             ("E539", "BagIt-Profile-Identifier")]
    assert "master/btr-bagit-profile.json, not https://github.com/dpscollaborative" in result[-1].message
    assert "recommended by profile" in result[0].message and "but empty" in result[0].message


def test_dart_btr_profile_requires_the_identifier_as_a_tag(dart_facts: dict[str, BagFacts]) -> None:
    facts = dart_facts["test.edu.btr-wasabi-or.tar"]
    info = [(k, v) for k, v in facts.tag_fields["bag-info.txt"] if k != "BagIt-Profile-Identifier"]
    profile = load_profile(DART_PROFILES / "builtin" / "btr-v1.0.json")
    facts = replace(facts, tag_fields=dict(facts.tag_fields, **{"bag-info.txt": info}))
    assert found(check_profile(profile, facts)) == [("E530", "BagIt-Profile-Identifier")]


def test_multi_manifest_profile(dart_facts: dict[str, BagFacts]) -> None:
    profile = load_profile(DART_PROFILES / "test" / "multi_manifest.json")
    assert found(check_profile(profile, dart_facts["example.edu.tagsample_good.tar"])) == []
    assert found(check_profile(profile, dart_facts["example.edu.sample_good.tar"])) == [
        ("E534", "manifest-sha256.txt"), ("E534", "tagmanifest-md5.txt"), ("E534", "tagmanifest-sha256.txt")]


def test_empty_profile_accepts_a_zip(dart_facts: dict[str, BagFacts]) -> None:
    for where in ("builtin", "test"):
        profile = load_profile(DART_PROFILES / where / "empty_profile.json")
        assert check_profile(profile, dart_facts["example.edu.sample_good.zip"]) == []


def test_spec_format_test_profiles_against_real_bags(dart_facts: dict[str, BagFacts]) -> None:
    foo = load_profile(DART_PROFILES / "test" / "standard" / "bagProfileFoo.json")
    assert found(check_profile(foo, dart_facts["example.edu.sample_good.tar"])) == [
        ("E531", "Source-Organization"), ("E530", "Contact-Phone"), ("E539", "BagIt-Profile-Identifier")]
    bar = load_profile(DART_PROFILES / "test" / "standard" / "bagProfileBar.json")
    result = check_profile(bar, dart_facts["example.edu.tagsample_good.tar"])
    assert [i.path for i in result if i.code == "E535"] == [
        "DPN/dpnFirstNode.txt", "DPN/dpnRegistry", "aptrust-info.txt", "custom_tag_file.txt",
        "custom_tags/tracked_file_custom.xml", "custom_tags/tracked_tag_file.txt",
        "custom_tags/untracked_tag_file.txt", "junk_file.txt"]
    assert ("E537", "example.edu.tagsample_good") in found(result)  # tar: Bar accepts zip only
    assert ("E538", "BagIt-Version") in found(result)  # 0.97: Bar accepts 0.96


def test_invalid_dart_profile_is_refused_with_every_reason() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile(DART_PROFILES / "test" / "invalid_profile.json")
    message = str(caught.value)
    assert "invalid_profile.json is not a usable DART profile" in message
    assert "serialization 'capn-crunch' is not one of required, optional, forbidden" in message
    assert "acceptBagItVersion is empty" in message and "manifestsAllowed is empty" in message
    assert message.endswith("Correct the profile, or ask its publisher for a corrected one")


# --- LoC Bagger project profiles ------------------------------------------------------------------------------
def bag_info_facts(pairs: list[tuple[str, str]], **changes: Any) -> BagFacts:
    base = BagFacts(version="1.0", tag_fields={"bagit.txt": [("BagIt-Version", "1.0")], "bag-info.txt": pairs},
                    payload_algorithms=("sha512",), tag_algorithms=("sha512",), payload_files=("data/a.txt",),
                    tag_files=("bag-info.txt", "bagit.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt"),
                    has_fetch=False, serialization=None, bag_name="bag", archive_name=None)
    return replace(base, **changes)


def test_loc_ordered_profile() -> None:
    profile = load_profile(DART_PROFILES / "test" / "loc" / "SANC-state-profile.json")
    assert profile.identifier is None and profile.notes == ()
    assert [t.label for t in profile.tags][:3] == ["itemNumber", "rcNumber", "transferringAgencyName"]
    pairs = [("itemNumber", "7"), ("transferringAgencyName", "DNCR"), ("transferringEmployee", "A. Clerk"),
             ("receivingInstitution", "State Archives"), ("receivingInstitutionAddress", "109 E. Jones St."),
             ("datesOfRecords (YYYY-MM-DD) - (YYYY-MM-DD)", "2001-01-01 - 2002-01-01"),
             ("digitalOriginality", "Paper"), ("Classification (for Access)", "Open/Public"),
             ("digitalContentStructure", "Email")]
    result = check_profile(profile, bag_info_facts(pairs))
    assert found(result) == [("E530", "rcNumber"), ("E531", "digitalOriginality")]
    assert "'Original (Born Digital)'" in result[1].message


def test_loc_unordered_profile_required_value() -> None:
    profile = load_profile(DART_PROFILES / "test" / "loc" / "unordered-loc-profile.json")
    address = "World Digital Library, Library of Congress, 101 Independence Ave, SE, Washington, DC 20540 USA"
    result = check_profile(profile, bag_info_facts([("Send-To-Name", "Someone Else"), ("Ship-To-Address", address)]))
    assert found(result) == [("E531", "Send-To-Name"), ("E530", "External-Identifier")]
    assert "use one of: 'Sandy Bostian'" in result[0].message


# --- synthetic profiles, one field at a time ---------------------------------------------------------------------
INFO = {"BagIt-Profile-Identifier": "urn:example:profile:1", "BagIt-Profile-Version": "1.4.0",
        "Source-Organization": "Example", "External-Description": "test profile", "Version": "1"}


def spec(**fields: Any) -> Profile:
    data = {"BagIt-Profile-Info": INFO, "Accept-BagIt-Version": ["1.0"],
            "Accept-Serialization": ["application/tar"]}
    data.update({key.replace("_", "-").replace("Fetch-txt", "Fetch.txt"): value for key, value in fields.items()})
    return load_profile_bytes(json.dumps(data).encode(), "synthetic.json")


def facts(*, info: list[tuple[str, str]] | None = None, **changes: Any) -> BagFacts:
    declared = [("BagIt-Profile-Identifier", "urn:example:profile:1")]
    return bag_info_facts(declared + (info or []), **changes)


def test_a_complete_profile_and_bag_have_no_findings() -> None:
    profile = spec()
    assert profile.notes == () and check_profile(profile, facts()) == []


def test_three_missing_required_tags_are_three_issues() -> None:
    profile = spec(Bag_Info={k: {"required": True, "description": f"the {k.lower()}"}
                             for k in ("Source-Organization", "Contact-Name", "Contact-Email")})
    result = check_profile(profile, facts())
    assert found(result) == [("E530", "Source-Organization"), ("E530", "Contact-Name"), ("E530", "Contact-Email")]
    assert all(i.path == "bag-info.txt" and "profile urn:example:profile:1" in i.message for i in result)
    assert result[1].message.endswith("(the profile says: the contact-name)")


def test_bag_info_labels_ignore_case_values_do_not() -> None:
    profile = spec(Bag_Info={"Source-Organization": {"required": True, "values": ["York University"]}})
    assert check_profile(profile, facts(info=[("source-ORGANIZATION", " York University ")])) == []
    assert found(check_profile(profile, facts(info=[("Source-Organization", "york university")]))) == [
        ("E531", "Source-Organization")]


def test_required_tag_with_an_empty_value() -> None:
    profile = spec(Bag_Info={"Contact-Name": {"required": True}, "Contact-Phone": {}})
    assert found(check_profile(profile, facts(info=[("Contact-Name", ""), ("Contact-Phone", "")]))) == [
        ("E533", "Contact-Name")]


def test_repeatable_defaults_to_true() -> None:
    twice = facts(info=[("Contact-Name", "A"), ("Contact-Name", "B")])
    assert check_profile(spec(Bag_Info={"Contact-Name": {"required": True}}), twice) == []
    result = check_profile(spec(Bag_Info={"Contact-Name": {"repeatable": False}}), twice)
    assert found(result) == [("E532", "Contact-Name")] and "appears 2 times" in result[0].message


def test_each_disallowed_value_of_a_repeated_tag_is_named() -> None:
    profile = spec(Bag_Info={"Contact-Name": {"values": ["A", "B"]}})
    result = check_profile(profile, facts(info=[("Contact-Name", "A"), ("Contact-Name", "C"),
                                                ("Contact-Name", "D")]))
    assert [i.message.split(",")[0] for i in result] == ["bag-info.txt: Contact-Name is 'C'",
                                                         "bag-info.txt: Contact-Name is 'D'"]


def test_recommended_tag_is_a_warning() -> None:
    result = check_profile(spec(Bag_Info={"Contact-Email": {"recommended": True}}), facts())
    assert [(i.code, i.severity) for i in result] == [("W533", "warning")]


@pytest.mark.parametrize("key, present, expected", [
    ("Manifests_Required", ("sha512",), []),
    ("Manifests_Required", ("md5",), [("E534", "manifest-sha512.txt")]),
    ("Manifests_Allowed", ("sha512", "md5"), [("E534", "manifest-md5.txt")]),
])
def test_payload_manifests(key: str, present: tuple[str, ...], expected: list[Any]) -> None:
    profile = spec(**{key: ["SHA512"]})  # algorithm names ignore case
    assert found(check_profile(profile, facts(payload_algorithms=present))) == expected


def test_tag_manifests() -> None:
    profile = spec(Tag_Manifests_Required=["sha256"], Tag_Manifests_Allowed=["sha256", "sha512"])
    assert found(check_profile(profile, facts(tag_algorithms=("sha256",)))) == []
    assert found(check_profile(profile, facts(tag_algorithms=("md5",)))) == [
        ("E534", "tagmanifest-sha256.txt"), ("E534", "tagmanifest-md5.txt")]
    assert found(check_profile(spec(Tag_Manifests_Allowed=[]), facts(tag_algorithms=("md5",)))) == [
        ("E534", "tagmanifest-md5.txt")]


def test_fetch_txt() -> None:
    holey = facts(has_fetch=True)
    assert check_profile(spec(), holey) == []  # Allow-Fetch.txt defaults to true
    assert found(check_profile(spec(**{"Allow-Fetch.txt": False}), holey)) == [("E536", "fetch.txt")]
    required = spec(**{"Fetch.txt-Required": True})
    assert check_profile(required, holey) == []
    assert found(check_profile(required, facts())) == [("E536", "fetch.txt")]


@pytest.mark.parametrize("payload, octets, oxum, ok", [
    ((), None, None, True),  # no file at all
    (("data/.keep",), 0, None, True),  # a single zero-length file
    (("data/.keep",), None, "0.1", True),  # its size from Payload-Oxum
    (("data/a.txt",), 12, None, False),
    (("data/a.txt",), None, None, False),  # size unknown
    (("data/a", "data/b"), 0, None, False),  # two files, even empty ones
])
def test_data_empty(payload: tuple[str, ...], octets: int | None, oxum: str | None, ok: bool) -> None:
    info = [("Payload-Oxum", oxum)] if oxum else []
    bag = facts(info=info, payload_files=payload, payload_octets=octets)
    assert check_profile(spec(Data_Empty=False), bag) == []
    assert found(check_profile(spec(Data_Empty=True), bag)) == ([] if ok else [("E535", "data/")])


@pytest.mark.parametrize("rule, accepted, bag, ok", [
    ("optional", ["application/tar"], None, True),
    ("required", ["application/tar"], None, False),
    ("forbidden", ["application/zip"], None, True),
    ("forbidden", ["application/zip"], "application/zip", False),
    ("optional", ["application/x-tar"], "application/tar", True),
    ("optional", ["application/gzip"], "application/tar+gzip", True),
    ("optional", ["application/x-gtar"], "application/tar+gzip", True),
    ("optional", ["application/x-gzip"], "application/tar+gzip", True),
    ("optional", ["Application/X-Zip-Compressed"], "application/zip", True),
    ("required", ["application/tar"], "application/zip", False),
    ("optional", ["application/tar"], "application/tar+gzip", False),
])
def test_serialization(rule: str, accepted: list[str], bag: str | None, ok: bool) -> None:
    profile = spec(Serialization=rule, Accept_Serialization=accepted)
    result = check_profile(profile, facts(serialization=bag, archive_name="bag" if bag else None))
    assert found(result) == ([] if ok else [("E537", "bag")])


def test_accept_bagit_version() -> None:
    profile = spec(Accept_BagIt_Version=["0.97", "1.0"])
    assert check_profile(profile, facts(version="0.97")) == []
    result = check_profile(profile, facts(version="0.96"))
    assert found(result) == [("E538", "BagIt-Version")] and "accepts only 0.97, 1.0" in result[0].message
    assert "declares no BagIt-Version" in check_profile(profile, facts(version=None))[0].message


def test_tag_files_required_and_allowed() -> None:
    extra = ("bag-info.txt", "bagit.txt", "manifest-sha512.txt", "tagmanifest-sha512.txt", "fetch.txt",
             "DPN/dpnFirstNode.txt", "DPN/sub/deep.txt", "notes.txt")
    profile = spec(Tag_Files_Required=["DPN/dpnFirstNode.txt", "DPN/dpnRegistry"], Tag_Files_Allowed=["DPN/*"])
    result = check_profile(profile, facts(tag_files=extra))
    # BagIt's own files are not tag files in this sense; DPN/* covers DPN/sub/deep.txt (* crosses '/').
    assert found(result) == [("E535", "DPN/dpnRegistry"), ("E535", "notes.txt")]
    assert "is not allowed by profile urn:example:profile:1 (allowed: DPN/*)" in result[1].message
    assert check_profile(spec(), facts(tag_files=extra)) == []  # absent Tag-Files-Allowed: ["*"]


def test_payload_files_required_and_allowed() -> None:
    profile = spec(Payload_Files_Required=["data/LICENSE.txt", "data/src/", "data/docs/"],
                   Payload_Files_Allowed=["data/LICENSE.txt", "data/src/*", "data/docs/*"])
    bag = facts(payload_files=("data/LICENSE.txt", "data/src/a/b.py", "data/tmp.bak"))
    result = check_profile(profile, bag)
    assert found(result) == [("E535", "data/docs/"), ("E535", "data/tmp.bak")]
    assert "payload folder data/docs/ is required" in result[0].message
    assert check_profile(spec(), bag) == []  # absent Payload-Files-Allowed: ["*"]


def test_glob_rule() -> None:
    assert pattern("*").fullmatch("custom_tags/deep/x.txt")  # '*' crosses '/': ["*"] allows every tag file
    assert pattern("data/*").fullmatch("data/a/b/c.jpg")
    assert pattern("data/**").fullmatch("data/a/b") and pattern("data/**/x.txt").fullmatch("data/a/b/x.txt")
    assert pattern("*.txt").fullmatch("custom/b.txt") and not pattern("*.txt").fullmatch("b.txt.bak")
    assert not pattern("data/a").fullmatch("data/ab")  # whole path
    assert not pattern("DATA/*").fullmatch("data/x")  # case-sensitive
    assert not pattern("data/?.txt").fullmatch("data/a.txt") and pattern("data/?.txt").fullmatch("data/?.txt")
    assert not pattern("data/[ab].txt").fullmatch("data/a.txt")  # only '*' is a wildcard
    assert pattern("data/src/").fullmatch("data/src/x")  # read as data/src/* (with a warning)
    assert matches("data/x", ("", "data/*")) and not matches("data/x", ())


def test_a_directory_pattern_ending_in_slash_is_flagged() -> None:
    profile = spec(Payload_Files_Allowed=["data/src/"])
    assert [n.code for n in profile.notes] == ["W532"] and "read as 'data/src/*'" in profile.notes[0].message
    assert check_profile(profile, facts(payload_files=("data/src/x",))) == list(profile.notes)


def test_required_path_not_covered_by_allowed_is_flagged() -> None:
    profile = spec(Tag_Files_Required=["meta/a.txt"], Tag_Files_Allowed=["other/*"])
    assert [n.code for n in profile.notes] == ["W532"] and "meta/a.txt is not covered" in profile.notes[0].message


def test_bag_must_declare_the_profile() -> None:
    profile = spec()
    missing = check_profile(profile, bag_info_facts([]))
    assert [(i.code, i.severity) for i in missing] == [("E539", "error")]
    assert "add 'BagIt-Profile-Identifier: urn:example:profile:1' to bag-info.txt" in missing[0].message
    other = check_profile(profile, bag_info_facts([("BagIt-Profile-Identifier", "urn:other")]))
    assert "declares BagIt-Profile-Identifier urn:other, not urn:example:profile:1" in other[0].message
    both = [("BagIt-Profile-Identifier", "urn:other"), ("BagIt-Profile-Identifier", "urn:example:profile:1")]
    assert check_profile(profile, bag_info_facts(both)) == []  # MAY be repeated (several profiles)


def test_profile_without_identifier_or_info_is_usable_with_warnings() -> None:
    profile = load_profile_bytes(b'{"Bag-Info": {"Contact-Name": {"required": true}}, "Colour": "blue"}', "p.json")
    assert profile.identifier is None
    assert [n.code for n in profile.notes] == ["W531", "W530", "W532", "W532"]
    assert "Source-Organization, External-Description, Version, BagIt-Profile-Identifier" in profile.notes[1].message
    assert found(check_profile(profile, bag_info_facts([]))) == [("E530", "Contact-Name")]  # no E539: no id


@pytest.mark.parametrize("text, named", [
    (b'{"Allow-Fetch.txt": "false"}', "Allow-Fetch.txt must be true or false, not the string 'false'"),
    (b'{"Manifests-Required": "md5"}', "Manifests-Required must be a list of strings, not the string 'md5'"),
    (b'{"Bag-Info": {"Contact-Name": {"required": "yes"}}}', "Bag-Info.Contact-Name.required must be true or false"),
    (b'{"Bag-Info": {"Contact-Name": true}}', "Bag-Info.Contact-Name must be an object"),
    (b'{"Bag-Info": {"Contact-Name": {"values": ["a", 2]}}}', "Bag-Info.Contact-Name.values must be a list of"),
    (b'{"BagIt-Profile-Info": {"Version": 1}}', "BagIt-Profile-Info.Version must be a string, not the number 1"),
    (b'{"Serialization": "sometimes"}', "Serialization 'sometimes' is not one of required, optional, forbidden"),
    (b'{"Data-Empty": 0}', "Data-Empty must be true or false, not the number 0"),
    (b'{"Allow-Fetch.txt": false, "Fetch.txt-Required": true}', "fetch.txt is required but not allowed"),
    (b'{"Manifests-Required": ["md5"], "Manifests-Allowed": ["sha512"]}', "md5 are required but not in the allowed"),
    (b'{"Accept-BagIt-Version": []}', "Accept-BagIt-Version is empty"),
    (b'{"tags": [{"tagFile": "bag-info.txt"}]}', "tags[0] needs a non-empty tagFile and tagName"),
    (b'[1, 2]', "a BagIt profile is a JSON object, not a list"),
    (b'{"hello": "world"}', "is not a BagIt profile in a known format"),
    (b'{"Bag-Info": ', "is not valid JSON: Expecting value at line 1, column 14"),
    (b'\xff{}', "is not UTF-8"),
])
def test_unusable_profiles_name_the_field(text: bytes, named: str) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile_bytes(text, "bad.json")
    assert named in str(caught.value)


def test_unreadable_profile_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read profile .*missing.json"):
        load_profile(tmp_path / "missing.json")


# --- our own profile ---------------------------------------------------------------------------------------
def test_our_profile_is_builtin_and_clean() -> None:
    shipped = builtin_profile(PACKAGER_PROFILE_ID)
    assert shipped is not None and shipped.identifier == PACKAGER_PROFILE_ID
    assert shipped.source == "packager/schemas/bagit-profile.json"
    assert builtin_profile("urn:example:other") is None
    profile = load_profile_bytes(schemas.read_bytes("bagit-profile.json"), "bagit-profile.json")
    assert profile.identifier == PACKAGER_PROFILE_ID and profile.notes == ()
    assert profile.manifests_required == ("sha256", "sha512") and profile.accept_versions == ("1.0",)
    assert not profile.allow_fetch and profile.serialization == "optional"


@pytest.fixture(scope="module")
def our_bag(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bag the real pipeline writes from a two-image collection whose [bag-info] declares our profile."""
    root = tmp_path_factory.mktemp("profile") / "profile-test"
    (root / "images").mkdir(parents=True)
    for n, name in enumerate(("a.jpg", "b.jpg")):
        Image.new("RGB", (8, 8), (n * 90, 40, 20)).save(root / "images" / name, "JPEG")
    (root / "captions.csv").write_text("filename,caption\na.jpg,A street corner at night.\n"
                                       "b.jpg,A crowd in a showroom.\n", encoding="utf-8")
    (root / "collection.toml").write_text(
        '[collection]\nidentifier = "profile-test"\ntitle = "Profile test"\n\n'
        '[source]\ncaptions = "captions.csv"\nimages = "images"\n\n'
        f'[bag-info]\nBagIt-Profile-Identifier = "{PACKAGER_PROFILE_ID}"\n', encoding="utf-8")
    run = pipeline.build_bag(root, root.parent / "bags", workers=1)
    assert run.bag is not None and run.validation is not None and not run.validation.problems
    return run.bag


def test_a_pipeline_bag_conforms_to_our_profile(our_bag: Path) -> None:
    profile = load_profile_bytes(schemas.read_bytes("bagit-profile.json"), "bagit-profile.json")
    bag = folder_facts(our_bag)
    assert ("BagIt-Profile-Identifier", PACKAGER_PROFILE_ID) in bag.tag_fields["bag-info.txt"]
    assert check_profile(profile, bag) == []
    for mime in ("application/tar", "application/x-gtar", "application/zip"):  # serialized copies are accepted
        assert check_profile(profile, replace(bag, serialization=mime, archive_name=bag.bag_name)) == []
    undeclared = [(k, v) for k, v in bag.tag_fields["bag-info.txt"] if k != "BagIt-Profile-Identifier"]
    result = check_profile(profile, replace(bag, tag_fields=dict(bag.tag_fields, **{"bag-info.txt": undeclared})))
    assert found(result) == [("E539", "BagIt-Profile-Identifier")]
    assert f"'BagIt-Profile-Identifier: {PACKAGER_PROFILE_ID}'" in result[0].message


def test_our_profile_catches_a_stray_file_and_a_missing_sidecar(our_bag: Path) -> None:
    profile = load_profile_bytes(schemas.read_bytes("bagit-profile.json"), "bagit-profile.json")
    bag = folder_facts(our_bag)
    payload = tuple(p for p in bag.payload_files if p != "data/metadata/records.json") + ("data/notes.txt",)
    result = check_profile(profile, replace(bag, payload_files=payload, tag_files=bag.tag_files + ("extra.txt",),
                                            payload_algorithms=("md5", "sha256", "sha512")))
    assert found(result) == [("E534", "manifest-md5.txt"), ("E535", "extra.txt"),
                             ("E535", "data/metadata/records.json"), ("E535", "data/notes.txt")]

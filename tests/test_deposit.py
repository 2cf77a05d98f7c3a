"""Bags made to a repository's BagIt profile: what a profile decides (pipeline/deposit.py), before any work."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from packager.bag.writer import BagWriter
from packager.collection import config as config_mod
from packager.errors import ConfigError, ProfileError, UsageError
from packager.metadata import layout
from packager.pipeline import deposit
from packager.validate.profile import load_profile, named_profile, resolve_profile

from .conftest import COLLECTION, CONFORMANCE, run_cli

AGENT = "packager test (ExifTool 12.57; crosswalk 1)"
APTRUST = "https://raw.githubusercontent.com/APTrust/preservation-services/master/profiles/aptrust-v2.3.json"


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    """A copy of the sample collection whose collection.toml a test may change."""
    target = tmp_path / "collection"
    shutil.copytree(COLLECTION, target)
    return target


def _cfg(folder: Path, edit: tuple[str, str] | None = None) -> config_mod.CollectionConfig:
    toml = folder / "collection.toml"
    if edit:
        text = toml.read_text(encoding="utf-8")
        assert edit[0] in text
        toml.write_text(text.replace(*edit), encoding="utf-8")
    return config_mod.load(folder)


def test_shipped_profiles_are_found_by_name_and_by_identifier() -> None:
    aptrust = named_profile("aptrust")
    assert aptrust is not None and aptrust.identifier == APTRUST
    assert named_profile("APTrust-2.3") == aptrust and named_profile(APTRUST) == aptrust
    btr = named_profile("btr")
    assert btr is not None and btr.identifier.endswith("/releases/download/1.0/btr-bagit-profile.json")
    ours = resolve_profile("packager")
    assert ours.identifier == layout.PROFILE_ID
    shipped = CONFORMANCE / "aptrust-dart-testbags" / "profiles" / "builtin" / "aptrust-v2.3.json"
    assert resolve_profile(str(shipped)).tags == aptrust.tags  # a file is read as a file
    with pytest.raises(ProfileError, match="neither a file nor a profile shipped.*aptrust, aptrust-2.3, btr"):
        resolve_profile("nonesuch")


def test_aptrust_plan_from_the_sample() -> None:
    plan = deposit.plan(config_mod.load(COLLECTION), resolve_profile("aptrust"), AGENT)
    assert plan.payload_algorithms == ("md5", "sha256", "sha512")  # md5 required, ours allowed and kept
    assert plan.tag_algorithms == ("sha256", "sha512")  # none required, ours allowed
    assert plan.version == "1.0" and plan.serialization == "tar" and plan.suffix == ".tar"
    assert plan.tag_files == (("aptrust-info.txt", (("Access", "Restricted"),
                                                    ("Title", "Surveillance in China: a photo essay"),
                                                    ("Storage-Option", "Standard"))),)
    info = dict(plan.bag_info)
    assert info["BagIt-Profile-Identifier"] == APTRUST and info["Bag-Software-Agent"] == AGENT
    assert info["Source-Organization"].startswith("Archival metadata packager project")
    assert plan.notes == ()


def test_our_profile_leaves_out_a_tag_file_it_does_not_allow() -> None:
    plan = deposit.plan(config_mod.load(COLLECTION), resolve_profile("packager"), AGENT)
    assert plan.payload_algorithms == plan.tag_algorithms == layout.ALGORITHMS
    assert plan.serialization is None and plan.tag_files == ()
    assert [(n.code, n.path) for n in plan.notes] == [("I407", "aptrust-info.txt")]
    assert dict(plan.bag_info)["BagIt-Profile-Identifier"] == layout.PROFILE_ID


def test_btr_asks_for_source_organization(collection: Path) -> None:
    cfg = _cfg(collection, ('Source-Organization = "Archival metadata packager project (sample collection)"\n', ""))
    with pytest.raises(ConfigError) as caught:
        deposit.plan(cfg, resolve_profile("btr"), AGENT)
    (issue,) = caught.value.issues
    assert issue.code == "E407" and issue.field == "Source-Organization"
    assert "bag-info.txt: profile https://github.com/dpscollaborative" in issue.message
    assert "under [bag-info], e.g. Source-Organization = '...'" in issue.message
    plan = deposit.plan(config_mod.load(COLLECTION), resolve_profile("btr"), AGENT)
    assert plan.serialization is None and plan.payload_algorithms == ("sha256", "sha512")


def test_a_missing_or_wrong_aptrust_access_is_named_with_its_values(collection: Path) -> None:
    cfg = _cfg(collection, ('Access = "Restricted"', ""))
    with pytest.raises(ConfigError) as caught:
        deposit.plan(cfg, resolve_profile("aptrust"), AGENT)
    assert caught.value.issues[0].code == "E407"
    assert ("requires the tag Access (one of: Consortia, Institution, Restricted), and nothing gives it a value; "
            "set it in collection.toml under [tag-files.\"aptrust-info.txt\"], e.g. Access = 'Consortia'"
            ) in caught.value.message
    cfg = _cfg(collection, ("[tag-files.\"aptrust-info.txt\"]", "[tag-files.\"aptrust-info.txt\"]\nAccess = \"Public\""))
    with pytest.raises(ConfigError) as caught:
        deposit.plan(cfg, resolve_profile("aptrust"), AGENT)
    assert caught.value.issues[0].code == "E408"
    assert "Access 'Public' is not one the profile" in caught.value.message
    assert "(Consortia, Institution, Restricted)" in caught.value.message


def test_what_the_packager_cannot_make_is_refused(tmp_path: Path) -> None:
    cfg = config_mod.load(COLLECTION)
    base = resolve_profile("packager")
    cases = {
        "a fetch.txt": dataclasses.replace(base, fetch_required=True),
        "an empty payload": dataclasses.replace(base, data_empty=True),
        "BagIt-Version 0.96": dataclasses.replace(base, accept_versions=("0.96",)),
        "payload manifests with sha3-999": dataclasses.replace(base, manifests_required=("sha3-999",)),
        "serialization as application/x-7z-compressed": dataclasses.replace(
            base, serialization="required", accept_serialization=("application/x-7z-compressed",)),
    }
    for what, profile in cases.items():
        with pytest.raises(ConfigError) as caught:
            deposit.plan(cfg, profile, AGENT)
        assert caught.value.issues[0].code == "E409" and f"asks for {what}" in caught.value.message
    with pytest.raises(ConfigError, match="E?.*one of application/tar.*--serialize zip is not among them"):
        deposit.plan(cfg, resolve_profile("aptrust"), AGENT, serialize="zip")
    only_097 = deposit.plan(cfg, dataclasses.replace(base, accept_versions=("0.97",)), AGENT)
    assert only_097.version == "0.97"
    md5_only = deposit.plan(cfg, dataclasses.replace(base, manifests_required=(), manifests_allowed=("md5", "sha1")),
                            AGENT)
    assert md5_only.payload_algorithms == ("sha1",)  # none of ours allowed: the strongest the profile allows


def test_a_spec_profile_with_a_single_value_and_a_loc_default(tmp_path: Path) -> None:
    loc = tmp_path / "loc.json"
    loc.write_text(json.dumps({"ordered": [{"Contact-Name": {"fieldRequired": True, "defaultValue": "Reading Room"}},
                                           {"Rights": {"fieldRequired": True, "requiredValue": "Public"}}]}))
    plan = deposit.plan(config_mod.load(COLLECTION), load_profile(loc), AGENT)
    info = dict(plan.bag_info)
    assert info["Contact-Name"] == "Reading Room" and info["Rights"] == "Public"
    assert "BagIt-Profile-Identifier" not in info  # a Bagger profile has no identifier to declare


def test_group_labels_belong_to_the_run(collection: Path) -> None:
    cfg = _cfg(collection, ("[bag-info]\n", "[bag-info]\nBag-Count = \"1 of 1\"\n"))
    deposit.plan(cfg, resolve_profile("packager"), AGENT)  # one bag: the archivist may say so
    with pytest.raises(ConfigError, match="sets bag-count, which a run with --max-bag-size writes itself"):
        deposit.plan(cfg, resolve_profile("packager"), AGENT, max_bag_size=10**6)


@pytest.mark.parametrize(("text", "size"), [("500MB", 500 * 10**6), ("4GiB", 4 * 2**30), ("1.5 GB", 1_500_000_000),
                                             ("123", 123), ("64kib", 65536), ("2 TB", 2 * 10**12)])
def test_sizes(text: str, size: int) -> None:
    assert deposit.parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "5 XB", "-3MB", "0", "1e9"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(UsageError, match="--max-bag-size"):
        deposit.parse_size(text)


def test_config_tag_files_are_checked(collection: Path) -> None:
    for bad in ("bag-info.txt", "manifest-md5.txt", "data/x.txt", "../x.txt", "a b.txt"):
        _cfg(collection)
        toml = collection / "collection.toml"
        toml.write_text(toml.read_text(encoding="utf-8") + f'\n[tag-files."{bad}"]\nA = "b"\n', encoding="utf-8")
        with pytest.raises(ConfigError, match="a tag file is a relative path outside data/"):
            config_mod.load(collection)
        shutil.copy(COLLECTION / "collection.toml", toml)
    assert config_mod.load(COLLECTION).tag_files == (("aptrust-info.txt", (("Access", "Restricted"),)),)


def test_the_writer_writes_tag_files_version_and_tag_algorithms(tmp_path: Path) -> None:
    with BagWriter(tmp_path, "b", ("md5", "sha256"), tag_algorithms=("sha512",), version="0.97") as writer:
        writer.add_bytes("x.txt", b"x")
        bag = writer.finish([("Source-Organization", "Us")],
                            [("aptrust-info.txt", [("Title", "T"), ("Access", "Institution")]),
                             ("custom/more-info.txt", [("A", "b")])])
    assert (bag / "bagit.txt").read_text() == "BagIt-Version: 0.97\nTag-File-Character-Encoding: UTF-8\n"
    assert (bag / "aptrust-info.txt").read_text() == "Title: T\nAccess: Institution\n"
    assert (bag / "custom" / "more-info.txt").read_text() == "A: b\n"
    assert sorted(p.name for p in bag.glob("*manifest-*")) == ["manifest-md5.txt", "manifest-sha256.txt",
                                                               "tagmanifest-sha512.txt"]
    listed = [line.split()[1] for line in (bag / "tagmanifest-sha512.txt").read_text().splitlines()]
    assert listed == ["aptrust-info.txt", "bag-info.txt", "bagit.txt", "custom/more-info.txt", "manifest-md5.txt",
                      "manifest-sha256.txt"]


def test_cli_refuses_bad_profile_and_size_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "bags"
    result = run_cli("bag", COLLECTION, "--out", out, "--profile", "nonesuch", "--json")
    assert result.code == 3 and "neither a file nor a profile shipped" in result.json()["error"]["message"]
    result = run_cli("bag", COLLECTION, "--out", out, "--max-bag-size", "lots")
    assert result.code == 2 and "--max-bag-size 'lots' is not a size" in result.stderr
    result = run_cli("bag", COLLECTION, "--out", out, "--profile", "aptrust", "--serialize", "zip")
    assert result.code == 3 and "E409" in result.stderr and "--serialize zip is not among them" in result.stderr
    assert not out.exists()

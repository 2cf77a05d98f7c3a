"""`packager validate` as a library runs it: archives, profiles, worker processes, exit codes.

Every run is the real command line in a subprocess with real ExifTool (or,
on purpose, without it).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK

from .conftest import CONFORMANCE, ROOT, run_cli
from .test_tampering import rehash

APTRUST = CONFORMANCE / "aptrust-dart-testbags"


def run_without_exiftool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PACKAGER_EXIFTOOL="/nonexistent/exiftool")
    return subprocess.run([sys.executable, "-m", "packager", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=600)


def retitle_first_image(bag: Path) -> str:
    """Change the caption embedded in one image, leaving every manifest consistent (a forger's edit)."""
    image = sorted((bag / "data" / "objects").iterdir())[0]
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=Changed after packaging",
                    str(image)], check=True)
    rel = image.relative_to(bag).as_posix()
    rehash(bag)  # a forger's consistent manifests: only the metadata layer can tell
    return rel


def test_serialized_bag_gets_the_full_check_in_place(sample_bag: Path, tmp_path: Path) -> None:
    archive = Path(shutil.make_archive(str(tmp_path / sample_bag.name), "gztar", sample_bag.parent,
                                       sample_bag.name))
    result = run_cli("validate", archive, "--json")
    doc = result.json()
    assert result.code == EXIT_OK, [p for p in doc["problems"] if p["severity"] == "error"]
    assert doc["valid"] and doc["serialization"] == "application/tar+gzip"
    assert doc["metadata_checked"] and doc["incomplete"] is None
    assert doc["payload_files"] > 25 and doc["bag_name"] == sample_bag.name


def test_metadata_layer_catches_a_consistent_forgery_inside_a_zip(sample_bag: Path, tmp_path: Path) -> None:
    rel = retitle_first_image(sample_bag)
    archive = Path(shutil.make_archive(str(tmp_path / sample_bag.name), "zip", sample_bag.parent, sample_bag.name))
    doc = run_cli("validate", archive, "--json").json()
    assert doc["valid"] is False
    assert any(p["code"] == "E603" and p["path"] == rel for p in doc["problems"]), doc["problems"]
    assert not [p for p in doc["problems"] if p["code"].startswith("E50")]  # the BagIt layer is satisfied


def test_without_exiftool_every_other_result_is_kept_and_exit_is_3(sample_bag: Path) -> None:
    (sample_bag / "data" / "objects" / "extra.txt").write_text("unlisted")
    proc = run_without_exiftool("validate", sample_bag, "--json")
    assert proc.returncode == EXIT_FAILED  # the bag is invalid whatever ExifTool would say
    doc = json.loads(proc.stdout)
    codes = {p["code"] for p in doc["problems"]}
    assert {"E505", "E506", "W620"} <= codes and "E004" not in codes
    assert doc["incomplete"] and "ExifTool" in doc["incomplete"]

    (sample_bag / "data" / "objects" / "extra.txt").unlink()
    proc = run_without_exiftool("validate", sample_bag, "--json")
    doc = json.loads(proc.stdout)
    assert proc.returncode == EXIT_ENVIRONMENT and doc["valid"] is True
    assert [p["code"] for p in doc["problems"] if p["severity"] != "info"] == ["W620"]
    assert "embedded tags not read" in doc["summary"]["checked"]


def test_strict_fails_on_warnings_and_every_problem_is_complete(tmp_path: Path) -> None:
    archive = APTRUST / "bags" / "example.edu.sample_wrong_folder_name.tar"
    result = run_cli("validate", archive, "--json")
    doc = result.json()
    assert result.code == EXIT_OK and doc["valid"] and doc["warnings"] >= 1
    for problem in doc["problems"]:
        assert problem["code"][0] in "EWI" and problem["severity"] in ("error", "warning", "info")
        assert problem["message"]
    assert any(p.get("name") == "top-directory-name" for p in doc["problems"])
    assert run_cli("validate", archive, "--strict").code == EXIT_FAILED


def test_text_report_ends_with_a_summary_line() -> None:
    result = run_cli("validate", APTRUST / "bags" / "example.edu.sample_bad_oxum.tar")
    assert result.code == EXIT_FAILED
    last = result.stdout.strip().splitlines()[-1]
    assert "INVALID" in last and "application/tar" in last and "1 errors" in last
    assert "E506" in result.stdout


def test_workers_give_the_same_report(sample_bag: Path) -> None:
    image = sorted((sample_bag / "data" / "objects").iterdir())[3]
    image.write_bytes(image.read_bytes()[:-10])
    one = run_cli("validate", sample_bag, "--json", "--no-metadata", "--workers", "1").json()
    two = run_cli("validate", sample_bag, "--json", "--no-metadata", "--workers", "2").json()
    assert one["problems"] == two["problems"]
    assert any(p["code"] == "E503" for p in two["problems"])


def test_unusable_profile_file_is_a_configuration_error(tmp_path: Path) -> None:
    broken = tmp_path / "profile.json"
    broken.write_text("{not json")
    result = run_cli("validate", APTRUST / "bags" / "example.edu.sample_good.tar", "--profile", broken, "--json")
    assert result.code == EXIT_ENVIRONMENT
    doc = result.json()
    assert doc["ok"] is False and "profile" in doc["error"]["message"]


def test_aptrust_profile_from_the_command_line() -> None:
    profile = APTRUST / "profiles" / "builtin" / "aptrust-v2.2.json"
    good = run_cli("validate", APTRUST / "bags" / "example.edu.sample_good.tar", "--profile", profile, "--json")
    assert good.code == EXIT_OK and good.json()["profile"]
    bad = run_cli("validate", APTRUST / "bags" / "example.edu.tagsample_bad.tar", "--profile", profile, "--json")
    doc = bad.json()
    assert bad.code == EXIT_FAILED
    messages = " ".join(p["message"] for p in doc["problems"] if p["code"].startswith("E53"))
    assert "acksess" in messages and "Cardboard-Box" in messages
    zipped = run_cli("validate", APTRUST / "bags" / "example.edu.sample_good.zip", "--profile", profile, "--json")
    assert zipped.code == EXIT_FAILED
    assert any(p["code"].startswith("E53") and "zip" in p["message"] for p in zipped.json()["problems"])


def test_our_bags_declare_and_meet_our_profile(sample_bag: Path, tmp_path: Path) -> None:
    info = (sample_bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "BagIt-Profile-Identifier: " in info
    doc = run_cli("validate", sample_bag, "--json").json()
    assert doc["valid"] and doc["profile"], doc["problems"]
    # the same bag in a tar still meets it (our profile accepts tar, tar.gz and zip)
    with tarfile.open(tmp_path / f"{sample_bag.name}.tar", "w") as tar:
        tar.add(sample_bag, arcname=sample_bag.name)
    assert run_cli("validate", tmp_path / f"{sample_bag.name}.tar", "--json").code == EXIT_OK


def test_never_extracts_anything(sample_bag: Path, tmp_path: Path) -> None:
    archive = tmp_path / "in" / f"{sample_bag.name}.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        for p in sorted(sample_bag.rglob("*")):
            z.write(p, f"{sample_bag.name}/{p.relative_to(sample_bag).as_posix()}")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = dict(os.environ, PYTHONPATH=str(ROOT), TMPDIR=str(scratch))
    proc = subprocess.run([sys.executable, "-m", "packager", "validate", str(archive)], capture_output=True,
                          text=True, cwd=scratch, env=env, timeout=600)
    assert proc.returncode == EXIT_OK, proc.stdout[-2000:]
    assert list(scratch.iterdir()) == [] and sorted(archive.parent.iterdir()) == [archive]

"""`packager validate` rejects tampered bags and names the problem.

Each test damages a private copy of the packaged sample in one way. The
hardest case changes an embedded caption and then recomputes every manifest,
so that only the metadata layer can notice.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from packager.files.hashing import file_digests

from .conftest import run_cli

IMAGE = "data/objects/Surv - 007.jpg"


def problems(bag: Path) -> tuple[int, list[dict]]:
    result = run_cli("validate", bag, "--json")
    return result.code, result.json()["problems"]


def codes(found: list[dict]) -> set[str]:
    return {p["code"] for p in found if p["severity"] == "error"}


def rehash(bag: Path) -> None:
    """Recompute every payload and tag manifest (and Payload-Oxum) as a forger would."""
    payload = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    for alg in ("sha256", "sha512"):
        lines = [f"{file_digests(p, [alg])[alg]}  {p.relative_to(bag).as_posix()}" for p in payload]
        (bag / f"manifest-{alg}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in payload)
    info = (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines()
    info = [f"Payload-Oxum: {size}.{len(payload)}" if line.startswith("Payload-Oxum") else line for line in info]
    (bag / "bag-info.txt").write_text("\n".join(info) + "\n", encoding="utf-8")
    tags = sorted(p for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-"))
    for alg in ("sha256", "sha512"):
        lines = [f"{file_digests(p, [alg])[alg]}  {p.name}" for p in tags]
        (bag / f"tagmanifest-{alg}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_flipped_byte_in_an_image(sample_bag: Path) -> None:
    target = sample_bag / IMAGE
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    code, found = problems(sample_bag)
    assert code == 1
    mismatches = [p for p in found if p["code"] == "E503"]
    assert {p["path"] for p in mismatches} == {IMAGE}
    assert len(mismatches) == 2  # sha256 and sha512 both named


def test_missing_file(sample_bag: Path) -> None:
    (sample_bag / IMAGE).unlink()
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E504" and p["path"] == IMAGE for p in found)


def test_extra_file_is_named(sample_bag: Path) -> None:
    (sample_bag / "data" / "objects" / "stowaway.txt").write_text("not part of the deposit\n")
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E505" and p["path"] == "data/objects/stowaway.txt" for p in found)


def test_changed_embedded_caption_with_recomputed_manifests(sample_bag: Path) -> None:
    target = sample_bag / IMAGE
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=A different story.",
                    str(target)], check=True)
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert codes(found) >= {"E603"}
    assert not codes(found) & {"E503", "E504", "E505", "E506"}  # the BagIt layer is satisfied
    hit = next(p for p in found if p["code"] == "E603" and p["path"] == IMAGE)
    assert hit["field"] == "dc.description" and "A different story." in hit["message"]


def test_changed_iim_only_is_caught_against_xmp(sample_bag: Path) -> None:
    target = sample_bag / IMAGE
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-IPTC:City=Shanghai", str(target)], check=True)
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E604" and p["path"] == IMAGE and "Shanghai" in p["message"] for p in found)


def test_edited_metadata_csv_with_recomputed_manifests(sample_bag: Path) -> None:
    csv_path = sample_bag / "data" / "metadata" / "metadata.csv"
    text = csv_path.read_text(encoding="utf-8")
    csv_path.write_text(text.replace("Kashgar", "Kashi", 1), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert "E602" in codes(found) or "E603" in codes(found)


def test_invalid_dc_record_is_reported(sample_bag: Path) -> None:
    record = next((sample_bag / "data" / "metadata" / "dc").glob("surv-0*.xml"))
    record.write_bytes(record.read_bytes().replace(b"dc:title", b"dc:headline"))
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E601" for p in found)


def test_changed_pixels_with_metadata_kept_and_manifests_recomputed(sample_bag: Path, tmp_path: Path) -> None:
    _repaint(sample_bag, tmp_path)  # the forgery carries the original's metadata
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert [p["path"] for p in found if p["code"] == "E607"] == [IMAGE]
    assert not codes(found) & {"E603", "E604"}  # the metadata alone would not have told


def test_edited_records_json_with_recomputed_manifests(sample_bag: Path) -> None:
    records = sample_bag / "data" / "metadata" / "records.json"
    records.write_text(records.read_text(encoding="utf-8").replace("Houhai Lake", "Beihai Lake"), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E602" and "records.json" in p["message"] for p in found)


def test_foreign_bag_with_metadata_csv_is_held_to_its_own_layout(sample_bag: Path) -> None:
    """A bag from another depositor (not written by packager) carrying only metadata.csv."""
    shutil.rmtree(sample_bag / "data" / "metadata" / "dc")
    (sample_bag / "data" / "metadata" / "originals.txt").unlink()
    (sample_bag / "data" / "metadata" / "records.json").unlink()
    info = (sample_bag / "bag-info.txt").read_text(encoding="utf-8")
    info = info.replace("Bag-Software-Agent: packager", "Bag-Software-Agent: another-tool")
    info = "".join(line for line in info.splitlines(True) if not line.startswith("BagIt-Profile-Identifier:"))
    (sample_bag / "bag-info.txt").write_text(info, encoding="utf-8")
    target = sample_bag / IMAGE
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=Theirs.", str(target)],
                   check=True)
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 0  # nothing required of our own layout (nor of our profile, no longer declared)
    assert not codes(found)
    warned = [p for p in found if p["code"] == "W603"]
    assert {p["path"] for p in warned} == {IMAGE} and warned[0]["severity"] == "warning"
    assert "Theirs." in warned[0]["message"] and "not written by packager" in warned[0]["message"]


# --- found in review: forgeries the metadata layer missed, and bags that hung or misled it -------
def _records(bag: Path) -> tuple[Path, dict]:
    path = bag / "data" / "metadata" / "records.json"
    return path, json.loads(path.read_text(encoding="utf-8"))


def _repaint(bag: Path, tmp_path: Path) -> None:
    """Change pixels of IMAGE but keep its metadata."""
    from PIL import Image

    target = bag / IMAGE
    saved = tmp_path / "saved.jpg"
    saved.write_bytes(target.read_bytes())
    with Image.open(saved) as im:
        edited = im.copy()
    edited.putpixel((10, 10), (255, 0, 0))
    edited.save(target, quality=95)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-tagsFromFile", str(saved), "-all:all",
                    str(target)], check=True)


def test_deleted_records_json_cannot_hide_changed_pixels(sample_bag: Path, tmp_path: Path) -> None:
    _repaint(sample_bag, tmp_path)
    (sample_bag / "data" / "metadata" / "records.json").unlink()
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E602" and p["path"] == "data/metadata/records.json" and "missing" in p["message"]
               for p in found)


@pytest.mark.parametrize("how", ["drop the item", "drop its pixel digest"])
def test_records_json_must_describe_every_image_with_its_pixels(sample_bag: Path, tmp_path: Path, how: str) -> None:
    _repaint(sample_bag, tmp_path)
    path, data = _records(sample_bag)
    if how == "drop the item":
        data["items"] = [i for i in data["items"] if i["payload"] != IMAGE]
    else:
        next(i for i in data["items"] if i["payload"] == IMAGE).pop("pixel_sha256")
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    hits = [p for p in found if p["code"] == "E602" and p["path"] == "data/metadata/records.json"]
    assert len(hits) == 1 and IMAGE in hits[0]["message"]


def test_originals_checksums_must_cover_every_object(sample_bag: Path) -> None:
    originals = sample_bag / "data" / "metadata" / "originals.txt"
    lines = originals.read_text(encoding="utf-8").splitlines(keepends=True)
    originals.write_text("".join(line for line in lines if "Surv - 007.jpg" not in line), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    hits = [p for p in found if p["code"] == "E605"]
    assert len(hits) == 1 and IMAGE in hits[0]["message"]


def test_deleted_metadata_csv_cannot_hide_a_changed_caption(sample_bag: Path) -> None:
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=A different story.",
                    str(sample_bag / IMAGE)], check=True)
    (sample_bag / "data" / "metadata" / "metadata.csv").unlink()
    rehash(sample_bag)
    result = run_cli("validate", sample_bag, "--json")
    assert result.code == 1
    assert result.json()["metadata_checked"] is True
    assert any(p["code"] == "E602" and p["path"] == "data/metadata/metadata.csv"
               for p in result.json()["problems"])


def test_metadata_csv_row_naming_a_file_outside_the_bag_is_not_read(sample_bag: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.jpg"
    shutil.copy(sample_bag / "data" / "objects" / "Surv - 001.jpg", secret)
    csv_path = sample_bag / "data" / "metadata" / "metadata.csv"
    text = csv_path.read_text(encoding="utf-8")
    escape = "data/objects/../../../secret.jpg"
    assert (sample_bag / escape).resolve() == secret.resolve()
    csv_path.write_text(text.replace("data/objects/Surv - 002.jpg,", f"{escape},", 1), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E602" and escape in p["message"] for p in found)
    assert not [p for p in found if p["path"] == escape]  # its embedded metadata was never read
    assert "Police robot" not in json.dumps(found)  # ... nor shown


def test_special_files_do_not_hang_the_metadata_layer(sample_bag: Path) -> None:
    os.mkfifo(sample_bag / "data" / "metadata" / "dc" / "evil.xml")
    (sample_bag / "bag-info.txt").unlink()
    os.mkfifo(sample_bag / "bag-info.txt")
    code = ("import sys; from packager.validate.validator import validate; "
            "r = validate(__import__('pathlib').Path(sys.argv[1])); print(r.valid)")
    proc = subprocess.run([sys.executable, "-c", code, str(sample_bag)], capture_output=True, text=True, check=False,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])))
    assert proc.returncode == 0 and proc.stdout.strip() == "False", proc.stderr


def test_one_unreadable_image_hides_no_other_check(sample_bag: Path) -> None:
    from packager.files.exiftool import ExifToolSession as ExifTool
    from packager.validate import images, metacheck
    from packager.validate.folder import DirSource

    other = "data/objects/Surv - 003.jpg"
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=A different story.",
                    str(sample_bag / other)], check=True)
    (sample_bag / IMAGE).write_bytes(random.Random(5).randbytes(3000))  # ExifTool: "File format error"
    calls: list[int] = []
    with ExifTool() as et:
        def flaky(paths: list[Path]) -> list[dict]:
            calls.append(len(paths))
            if any(p.name == "Surv - 011.jpg" for p in paths):
                raise RuntimeError("exiftool died")
            return et.read_many(paths)

        found = metacheck.check(DirSource(sample_bag), flaky)
    by_file = {(p.code, p.path) for p in found}
    assert ("E606", IMAGE) in by_file and ("E606", "data/objects/Surv - 011.jpg") in by_file
    assert ("E603", other) in by_file  # still checked
    assert not any(p.code == "E603" and p.path == IMAGE for p in found)  # no flood for the unreadable one
    assert "exiftool died" in next(p.message for p in found if p.path == "data/objects/Surv - 011.jpg")
    assert max(calls) <= images.READ_BATCH


def test_metadata_folder_linked_from_outside_is_not_read(sample_bag: Path, tmp_path: Path) -> None:
    from packager.validate import metacheck
    from packager.validate.folder import DirSource

    elsewhere = tmp_path / "elsewhere"
    shutil.move(sample_bag / "data" / "metadata", elsewhere)
    os.symlink(elsewhere, sample_bag / "data" / "metadata")

    def never(paths: list[Path]) -> list[dict]:
        raise AssertionError(f"read {paths[:1]} through a link")

    found = metacheck.check(DirSource(sample_bag), never)
    assert [(p.code, p.path) for p in found] == [("E602", "data/metadata")]
    assert "symbolic link" in found[0].message


def test_comment_inside_a_dc_value_does_not_crash_the_validator(sample_bag: Path) -> None:
    record = sample_bag / "data" / "metadata" / "dc" / "surv-007.xml"
    data = record.read_bytes()
    assert b"<dc:language>en</dc:language>" in data
    record.write_bytes(data.replace(b"<dc:language>en</dc:language>", b"<dc:language>e<!-- x -->n</dc:language>"))
    rehash(sample_bag)
    code, found = problems(sample_bag)  # crashed with a traceback before
    assert code == 0 and not codes(found)


@pytest.mark.parametrize("value", [5, None, "text"])
def test_malformed_records_json_is_reported_not_a_crash(sample_bag: Path, value: object) -> None:
    path, data = _records(sample_bag)
    next(i for i in data["items"] if i["payload"] == IMAGE)["dublin_core"] = value
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E602" and IMAGE in p["message"] for p in found)


@pytest.mark.parametrize("args, tag", [
    (["-IPTC:all=", "-Photoshop:IPTCDigest="], "IPTC:CodedCharacterSet"),  # IIM stripped altogether
    (["-XMP-photoshop:City=Shanghai", "-IPTC:City=Shanghai"], "XMP-photoshop:City"),  # both copies, in step
    (["-XMP-iptcExt:LocationShownLocationId=http://example.org/x"], "XMP-iptcExt:LocationShown"),
])
def test_embedded_values_outside_dublin_core_are_checked_against_records_json(
        sample_bag: Path, args: list[str], tag: str) -> None:
    target = sample_bag / "data/objects/Surv - 011.jpg"
    subprocess.run(["exiftool", "-q", "-overwrite_original", *args, str(target)], check=True)
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    e610 = [p for p in found if p["code"] == "E610"]
    assert tag in {p["field"] for p in e610}
    assert all(p["path"] == "data/objects/Surv - 011.jpg" for p in e610)


def test_a_whole_item_removed_with_every_sidecar_and_manifest_made_consistent(sample_bag: Path) -> None:
    (sample_bag / "data/objects/Surv - 011.jpg").unlink()
    (sample_bag / "data/metadata/dc/surv-011.xml").unlink()
    path, doc = _records(sample_bag)
    doc["items"] = [i for i in doc["items"] if i["file"] != "Surv - 011.jpg"]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    csv_path = sample_bag / "data/metadata/metadata.csv"
    rows = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(r for r in rows if "Surv - 011.jpg" not in r), encoding="utf-8")
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 1
    assert any(p["code"] == "E605" and "images/Surv - 011.jpg" in p["message"] for p in found)

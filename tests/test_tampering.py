"""`packager validate` rejects tampered bags and names the problem.

Each test damages a private copy of the packaged sample in one way. The
hardest case changes an embedded caption and then recomputes every manifest,
so that only the metadata layer can notice.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from packager.hashing import file_digests

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
    from PIL import Image

    target = sample_bag / IMAGE
    saved = tmp_path / "saved.jpg"
    saved.write_bytes(target.read_bytes())
    with Image.open(saved) as im:
        edited = im.copy()
    edited.putpixel((10, 10), (255, 0, 0))
    edited.save(target, quality=95)
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-tagsFromFile", str(saved), "-all:all",
                    str(target)], check=True)  # the forgery carries the original's metadata
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
    import shutil

    shutil.rmtree(sample_bag / "data" / "metadata" / "dc")
    (sample_bag / "data" / "metadata" / "originals.txt").unlink()
    (sample_bag / "data" / "metadata" / "records.json").unlink()
    info = (sample_bag / "bag-info.txt").read_text(encoding="utf-8")
    info = info.replace("Bag-Software-Agent: packager", "Bag-Software-Agent: another-tool")
    (sample_bag / "bag-info.txt").write_text(info, encoding="utf-8")
    target = sample_bag / IMAGE
    subprocess.run(["exiftool", "-q", "-overwrite_original", "-XMP-dc:Description=Theirs.", str(target)],
                   check=True)
    rehash(sample_bag)
    code, found = problems(sample_bag)
    assert code == 0  # nothing required of our own layout
    assert not codes(found)
    warned = [p for p in found if p["code"] == "W603"]
    assert {p["path"] for p in warned} == {IMAGE} and warned[0]["severity"] == "warning"
    assert "Theirs." in warned[0]["message"] and "not written by packager" in warned[0]["message"]

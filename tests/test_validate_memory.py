"""Validation keeps memory flat in the number of files.

A synthetic bag of ``N`` items (every item a copy of the packaged sample's
first item under a new identifier: its image, metadata.csv row, Dublin Core
record, originals.txt lines and records.json item, with manifests, tag
manifests and Payload-Oxum to match) is validated in a child process, whose
peak resident memory (``VmHWM``: unlike ``ru_maxrss``, it does not inherit the
peak of the process that started the child) is the measure: it must stay under
a fixed bound and grow far less than the bag between 5,000 and 20,000 items.
The embedded tags and pixel digests come from a :class:`Proven` (the
template's read-back, renamed), so every check and comparison runs without
ExifTool; every file is still hashed. No timing is asserted.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)")

IDENT, FILE = "surv-001", "Surv - 001.jpg"
ALGORITHMS = ("sha256", "sha512")


def ident(n: int) -> str:
    return f"s{n:07d}"  # as long as the template's identifier, so bytes can be swapped in place


def file_name(n: int) -> str:
    return f"img {n:07d}.jpg"


class Template:
    """The first item of a bag this packager wrote, as text to copy under new names."""

    def __init__(self, bag: Path, tags: dict[str, Any]) -> None:
        meta = bag / "data" / "metadata"
        doc = json.loads((meta / "records.json").read_text(encoding="utf-8"))
        item = next(i for i in doc["items"] if i["identifier"] == IDENT)
        self.head = {k: v for k, v in doc.items() if k not in ("items", "issues")}
        self.item = json.dumps(item, ensure_ascii=False)
        self.digest = item["pixel_sha256"]
        lines = (meta / "metadata.csv").read_bytes().decode("utf-8").split("\r\n")
        self.csv_header = lines[0]
        self.csv_row = next(line for line in lines if line.startswith(f"data/objects/{FILE},"))
        self.dc = (meta / "dc" / f"{IDENT}.xml").read_bytes()
        self.collection = (meta / "dc" / "collection.xml").read_bytes()
        originals = (meta / "originals.txt").read_text(encoding="utf-8").splitlines(keepends=True)
        self.originals_head = "".join(line for line in originals if line.startswith("#"))
        self.originals = "".join(line for line in originals if line.endswith(f"  images/{FILE}\n"))
        self.bag_info = (bag / "bag-info.txt").read_text(encoding="utf-8")
        self.tags = json.dumps(tags, ensure_ascii=False)

    @staticmethod
    def named(text: str, n: int) -> str:
        return text.replace(IDENT, ident(n)).replace(FILE, file_name(n))

    def tags_of(self, rel: str) -> dict[str, Any]:
        n = int(rel.rsplit(" ", 1)[1][:-4])
        tags: dict[str, Any] = json.loads(self.named(self.tags, n))
        return tags


def tiny_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def synthesize(template: Template, bag: Path, items: int) -> None:
    """Write a bag of ``items`` copies of the template's item (tiny images)."""
    data = bag / "data"
    for folder in (data / "objects", data / "metadata" / "dc"):
        folder.mkdir(parents=True)
    manifest = {a: io.StringIO() for a in ALGORITHMS}
    octets = files = 0

    def payload(rel: str, content: bytes) -> None:
        nonlocal octets, files
        (bag / rel).write_bytes(content)
        for a in ALGORITHMS:
            manifest[a].write(f"{hashlib.new(a, content).hexdigest()}  {rel}\n")
        octets, files = octets + len(content), files + 1

    image = tiny_jpeg()
    csv_rows = [template.csv_header]
    originals = [template.originals_head]
    records = bag / "data" / "metadata" / "records.json"
    with records.open("w", encoding="utf-8") as out:
        out.write(json.dumps(template.head, ensure_ascii=False)[:-1] + ', "items": [\n')
        for n in range(1, items + 1):
            payload(f"data/objects/{file_name(n)}", image)
            payload(f"data/metadata/dc/{ident(n)}.xml", template.named(template.dc.decode("utf-8"), n).encode())
            csv_rows.append(template.named(template.csv_row, n))
            originals.append(template.named(template.originals, n))
            out.write(("" if n == 1 else ",\n") + template.named(template.item, n))
        out.write('\n], "issues": []}\n')
    size = records.stat().st_size
    for a in ALGORITHMS:
        manifest[a].write(f"{hashlib.new(a, records.read_bytes()).hexdigest()}  data/metadata/records.json\n")
    octets, files = octets + size, files + 1
    payload("data/metadata/dc/collection.xml", template.collection)
    payload("data/metadata/metadata.csv", "\r\n".join(csv_rows).encode("utf-8") + b"\r\n")
    payload("data/metadata/originals.txt", "".join(originals).encode("utf-8"))
    tag_files = {"bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"}
    info = "".join(line + "\n" for line in template.bag_info.splitlines() if not line.startswith("Payload-Oxum"))
    tag_files["bag-info.txt"] = (info + f"Payload-Oxum: {octets}.{files}\n").encode("utf-8")
    for a in ALGORITHMS:
        tag_files[f"manifest-{a}.txt"] = manifest[a].getvalue().encode("utf-8")
    for name, content in tag_files.items():
        (bag / name).write_bytes(content)
    for a in ALGORITHMS:
        lines = "".join(f"{hashlib.new(a, c).hexdigest()}  {name}\n" for name, c in tag_files.items())
        (bag / f"tagmanifest-{a}.txt").write_text(lines, encoding="utf-8")


class SameDigest(Mapping[str, str]):
    """Every image's pixel digest is the template's (all images are the same tiny JPEG)."""

    def __init__(self, digest: str) -> None:
        self.digest = digest

    def __getitem__(self, key: str) -> str:
        if key.startswith("data/objects/"):
            return self.digest
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


CHILD = """
import json, sys
from pathlib import Path
from packager.validate.proven import Proven
from packager.validate.validator import validate
from tests.test_validate_memory import SameDigest, Template
bag, template_bag, tags = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(Path(sys.argv[3]).read_text())
template = Template(template_bag, tags)
tags_of = lambda paths: [template.tags_of(p) for p in paths]
report = validate(bag, proven=Proven({}, tags_of, SameDigest(template.digest)))
# VmHWM is this process's own peak; ru_maxrss would start at the peak of the process that
# started it (pytest, hundreds of MB into a full run): Linux keeps it across fork and exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"rss_kib": peak, "valid": report.valid,
                  "files": report.bagit.payload_files,
                  "problems": [[p.code, p.path, p.message[:200]] for p in report.problems[:5]]}))
"""


def validate_in_child(bag: Path, template_bag: Path, tags_file: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(bag), str(template_bag), str(tags_file)],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800, check=False,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture(scope="module")
def template(packaged_sample: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Template, Path, Path]:
    from packager.files.exiftool import ExifToolSession

    (bag,) = list(packaged_sample.out.iterdir())
    with ExifToolSession() as et:
        tags = et.read(bag / "data" / "objects" / FILE)
    tags_file = tmp_path_factory.mktemp("tags") / "tags.json"
    tags_file.write_text(json.dumps(tags), encoding="utf-8")
    return Template(bag, tags), bag, tags_file


def test_memory_stays_flat_in_the_number_of_items(template: tuple[Template, Path, Path], tmp_path: Path) -> None:
    tpl, template_bag, tags_file = template
    peaks = {}
    for items in (5_000, 20_000):
        bag = tmp_path / f"bag-{items}"
        synthesize(tpl, bag, items)
        result = validate_in_child(bag, template_bag, tags_file)
        assert result["valid"], result["problems"]
        assert result["files"] == 2 * items + 4
        peaks[items] = result["rss_kib"]
    assert peaks[20_000] < 200 * 1024, peaks  # KiB
    # 15,000 more items (130 MB more records.json, 30,000 more files) cost less than 40 MiB
    assert peaks[20_000] - peaks[5_000] < 40 * 1024, peaks

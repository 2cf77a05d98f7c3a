"""The do-it-yourself baseline: the script an archivist would write without the packager.

    python benchmarks/diy.py IMAGES TAGS BAG

For each ``TAGS/<image>.json`` (ExifTool JSON, one entry with ``"SourceFile":
"*"``, holding the tags the packager would embed), copy ``IMAGES/<image>``
into the folder ``BAG``, write the tags with one ``exiftool`` process per
file, then make ``BAG`` a BagIt bag with bagit-python (sha256 and sha512,
two hashing processes). No read-back, no pixel check, no sidecars, no
validation: what such a script typically stops at. Run as a child process
by the benchmark so its time and memory are measured like the packager's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import bagit  # type: ignore[import-untyped]


def main(images: Path, tags: Path, bag: Path) -> int:
    bag.mkdir(parents=True)
    for tag_file in sorted(tags.glob("*.json")):
        name = tag_file.name.removesuffix(".json")
        target = bag / name
        shutil.copy2(images / name, target)
        subprocess.run(["exiftool", "-q", "-overwrite_original", f"-json={tag_file}", str(target)], check=True)
    bagit.make_bag(str(bag), bag_info={"Source-Organization": "packager benchmark"},
                   checksums=["sha256", "sha512"], processes=2)
    return 0


if __name__ == "__main__":
    sys.exit(main(*(Path(arg) for arg in sys.argv[1:4])))

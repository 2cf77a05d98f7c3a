"""The raw hashing limit: sha256 and sha512 of every payload file, one read each.

    python benchmarks/hashlimit.py BAG

Reads every file under ``BAG/data`` once, in 1 MiB blocks, feeding both
digests, in a pool of ``os.cpu_count()`` threads (hashlib releases the GIL
for large blocks, so the threads hash in parallel). Nothing is compared
with the manifests: this is the least any validator that checks every
checksum must spend. Run as a child process by the benchmark so its time
and memory are measured like the packager's. Prints files and bytes hashed.
"""

from __future__ import annotations

import hashlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BLOCK = 1 << 20


def digests(path: Path) -> tuple[int, str, str]:
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    size = 0
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK):
            size += len(block)
            sha256.update(block)
            sha512.update(block)
    return size, sha256.hexdigest(), sha512.hexdigest()


def main(bag: Path) -> int:
    files = [p for p in (bag / "data").rglob("*") if p.is_file()]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        sizes = [size for size, _, _ in pool.map(digests, files)]
    print(f"{len(files)} files, {sum(sizes)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))

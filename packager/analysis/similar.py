"""Near-duplicate captions: two items that probably show the same picture.

A gallery sometimes lists one picture twice with slightly different captions
(the sample's surv-004 and surv-024 describe the same screen capture, one
with an extra parenthesis). Captions of *different* pictures in one essay
often share a background sentence (surv-015 and surv-017), so sharing some
text is not enough: the score is how much of the two captions is the same
text, from :class:`difflib.SequenceMatcher` (``2 * matched / total``
characters of the normalised captions).

Scores measured on the sample: surv-004/surv-024 0.91; surv-015/surv-017,
which share their second sentence, 0.71; every other pair 0.54 or lower.
The threshold, 0.80, sits halfway between the two kinds: it flags a caption
with a short clause added or removed, or a few words reworded, and leaves a
shared background sentence alone.

Comparing every pair would be n² comparisons of long texts (50 million for
10 000 captions). Instead each caption is cut into word shingles (runs of
:data:`SHINGLE` words), an inverted index maps each shingle to the captions
holding it, and only pairs that share enough shingles to possibly reach the
threshold are scored. Shingles held by very many captions (boilerplate such
as a photographer's credit line) are skipped: they say nothing about
sameness and would bring back the n² pairs.

A collection of 100,000 captions has about five million shingles, too many
to index in memory (about 3 KB per caption as strings). Each shingle is kept
as an 8-byte hash, the captions and hashes wait in temporary files, and the
index is built one bucket of hashes at a time (``hash % buckets``); when
captions share many phrases, the candidate pairs are counted file by file
too. Memory holds one bucket and 12 bytes per caption. A hash collision can
only add a candidate, which the exact score then judges.
"""

from __future__ import annotations

import hashlib
import pickle
import re
import tempfile
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import BinaryIO

THRESHOLD = 0.80
SHINGLE = 3  # words per shingle
#: A shingle held by more captions than this is boilerplate and not indexed.
COMMON = 50
#: A pair is scored only when this share of the shorter caption's shingles is shared.
#: At similarity 0.80 most shingles are shared; 0.2 leaves a wide margin.
MIN_SHARED = 0.2
#: Shingles per bucket of the index, on average: the index is built one bucket at a time.
BUCKET = 200_000
MAX_BUCKETS = 256
FLUSH = 4096  # values kept per bucket before they are written out
#: Shared-shingle keys of candidate pairs counted in memory before they are spread over files.
PAIRS_IN_MEMORY = 100_000  # about 10 MB of counts at most
PAIR_FILES = 64
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Pair:
    """Two near-identical captions: identifiers in input order, and their score (0..1)."""

    first: str
    second: str
    score: float


def normalise(text: str) -> str:
    """Case, compatibility forms and spacing do not make two captions different."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


def shingles(text: str) -> set[str]:
    """Runs of :data:`SHINGLE` words; a shorter text is one shingle of all its words."""
    words = _WORD.findall(text)
    if len(words) < SHINGLE:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}


def similarity(a: str, b: str) -> float:
    """Share of the two normalised captions that is the same text (1.0: identical)."""
    x, y = normalise(a), normalise(b)
    if x == y:
        return 1.0
    if not x or not y:
        return 0.0
    return SequenceMatcher(None, x, y, autojunk=False).ratio()


def near_duplicates(captions: Iterable[tuple[str, str]], threshold: float = THRESHOLD) -> list[Pair]:
    """Pairs of (identifier, caption) whose captions score at least ``threshold``.

    Pairs come in input order of their first, then second, item. Memory stays
    flat in the number of captions: the captions and their shingles wait in
    temporary files (:class:`_Texts`, :func:`_buckets`), and only one bucket of
    the index at a time is in memory.
    """
    with _Texts() as texts, tempfile.TemporaryFile(prefix="packager-shingles-") as hashed:
        sizes = array("I")  # shingles per caption
        for identifier, caption in captions:
            text = normalise(caption)
            texts.append(identifier, text)
            values = array("Q", sorted({_hash(s) for s in shingles(text)}))
            sizes.append(len(values))
            values.tofile(hashed)
        hashed.seek(0)
        found: list[tuple[int, Pair]] = []
        for key, shared in _candidates(_groups(_buckets(hashed, sizes)), len(sizes)):
            i, j = divmod(key, len(sizes))
            if shared < MIN_SHARED * min(sizes[i], sizes[j]):
                continue
            (first, x), (second, y) = texts[i], texts[j]
            score = _score(x, y, threshold)
            if score >= threshold:
                found.append((key, Pair(first, second, round(score, 2))))
        return [pair for _, pair in sorted(found)]


def _hash(shingle: str) -> int:
    """A shingle as 8 bytes: the same in every process (``hash()`` of a str is not)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "little")


def _buckets(hashed: BinaryIO, sizes: array[int]) -> Iterator[list[int]]:
    """Every (shingle, caption) as one sortable key, ``hash << 32 | caption``, one bucket at a time.

    Each shingle goes to bucket ``hash % buckets``; with at most :data:`BUCKET`
    keys per bucket on average, memory holds about that many keys at once.
    """
    count = max(1, min(MAX_BUCKETS, -(-sum(sizes) // BUCKET)))
    if count == 1:
        yield [value << 32 | n for n, values in enumerate(_read_hashes(hashed, sizes)) for value in values]
        return
    files = [tempfile.TemporaryFile(prefix="packager-bucket-") for _ in range(count)]  # noqa: SIM115
    try:
        pending = [array("Q") for _ in range(count)]
        for n, values in enumerate(_read_hashes(hashed, sizes)):
            for value in values:
                part = pending[value % count]
                part.extend((value, n))
                if len(part) >= FLUSH:
                    part.tofile(files[value % count])
                    del part[:]
        for part, file in zip(pending, files, strict=True):
            part.tofile(file)
        del pending
        for file in files:
            file.seek(0)
            keys: list[int] = []
            while chunk := file.read(FLUSH * 8):  # whole (hash, caption) pairs: 16 bytes divides it
                pairs = array("Q", chunk)
                keys.extend(pairs[k] << 32 | pairs[k + 1] for k in range(0, len(pairs), 2))
            file.close()
            yield keys
    finally:
        for file in files:
            file.close()


def _read_hashes(hashed: BinaryIO, sizes: array[int]) -> Iterator[array[int]]:
    for size in sizes:
        values = array("Q")
        values.fromfile(hashed, size)
        yield values


def _groups(buckets: Iterable[list[int]]) -> Iterator[list[int]]:
    """The captions holding each shingle, in input order, for shingles held by 2 to :data:`COMMON` captions."""
    for keys in buckets:
        keys.sort()
        run: list[int] = []
        shingle = -1
        for key in keys:
            if key >> 32 != shingle:
                if 1 < len(run) <= COMMON:
                    yield run
                run, shingle = [], key >> 32
            run.append(key & 0xFFFFFFFF)
        if 1 < len(run) <= COMMON:
            yield run
        del keys[:]  # the caller's loop would keep this bucket alive while the next is built


def _candidates(groups: Iterable[list[int]], n: int) -> Iterator[tuple[int, int]]:
    """Every pair that shares an indexed shingle, keyed ``i * n + j`` (i < j), with how many it shares.

    Each shared shingle of a pair is one 8-byte key. Up to :data:`PAIRS_IN_MEMORY`
    keys are counted in memory; beyond that the keys go to :data:`PAIR_FILES`
    temporary files by ``key % PAIR_FILES`` and each file is counted in turn, so
    a collection whose captions share many phrases does not hold a count for
    every pair at once. Pairs come in no particular order.
    """
    pending = array("Q")
    files: list[BinaryIO] = []
    try:
        for holders in groups:
            for a in range(len(holders)):
                base = holders[a] * n
                pending.extend(base + later for later in holders[a + 1:])
            if len(pending) >= PAIRS_IN_MEMORY:
                files = files or [tempfile.TemporaryFile(prefix="packager-pairs-") for _ in range(PAIR_FILES)]  # noqa: SIM115
                _spill(pending, files)
        if not files:
            yield from Counter(pending).items()
            return
        _spill(pending, files)
        for file in files:
            file.seek(0)
            counts: Counter[int] = Counter()
            while chunk := file.read(FLUSH * 8):
                counts.update(array("Q", chunk))
            file.close()
            yield from counts.items()
            del counts
    finally:
        for file in files:
            file.close()


def _spill(pending: array[int], files: list[BinaryIO]) -> None:
    parts = [array("Q") for _ in files]
    for key in pending:
        parts[key % len(files)].append(key)
    for part, file in zip(parts, files, strict=True):
        part.tofile(file)
    del pending[:]


class _Texts:
    """Identifiers and normalised captions in a temporary file, read back by position."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="packager-captions-")  # noqa: SIM115 - closed by __exit__
        self._offsets = array("q", [0])

    def __enter__(self) -> _Texts:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def append(self, identifier: str, text: str) -> None:
        data = pickle.dumps((identifier, text), protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(self._offsets[-1])
        self._file.write(data)
        self._offsets.append(self._offsets[-1] + len(data))

    def __getitem__(self, n: int) -> tuple[str, str]:
        self._file.seek(self._offsets[n])
        value: tuple[str, str] = pickle.loads(self._file.read(self._offsets[n + 1] - self._offsets[n]))
        return value


def _score(x: str, y: str, threshold: float) -> float:
    """The exact score, after the cheap upper bounds that rule most pairs out."""
    if x == y:
        return 1.0
    if 2 * min(len(x), len(y)) / (len(x) + len(y)) < threshold:
        return 0.0  # lengths alone keep the ratio below the threshold
    matcher = SequenceMatcher(None, x, y, autojunk=False)
    if matcher.quick_ratio() < threshold:
        return 0.0
    return matcher.ratio()

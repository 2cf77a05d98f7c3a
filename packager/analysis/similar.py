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
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

THRESHOLD = 0.80
SHINGLE = 3  # words per shingle
#: A shingle held by more captions than this is boilerplate and not indexed.
COMMON = 50
#: A pair is scored only when this share of the shorter caption's shingles is shared.
#: At similarity 0.80 most shingles are shared; 0.2 leaves a wide margin.
MIN_SHARED = 0.2
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

    Pairs come in input order of their first, then second, item.
    """
    ids: list[str] = []
    texts: list[str] = []
    sets: list[set[str]] = []
    index: dict[str, list[int]] = defaultdict(list)
    for identifier, caption in captions:
        text = normalise(caption)
        n = len(ids)
        ids.append(identifier)
        texts.append(text)
        sets.append(shingles(text))
        for shingle in sets[n]:
            index[shingle].append(n)
    found = []
    for (i, j), shared in sorted(_candidates(index).items()):
        if shared < MIN_SHARED * min(len(sets[i]), len(sets[j])):
            continue
        score = _score(texts[i], texts[j], threshold)
        if score >= threshold:
            found.append(Pair(ids[i], ids[j], round(score, 2)))
    return found


def _candidates(index: dict[str, list[int]]) -> dict[tuple[int, int], int]:
    """Shared shingle counts of every pair that shares an indexed shingle."""
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for holders in index.values():
        if len(holders) > COMMON:
            continue
        for a in range(len(holders)):
            for b in range(a + 1, len(holders)):
                shared[(holders[a], holders[b])] += 1
    return shared


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

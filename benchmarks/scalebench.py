"""Scaling: ``packager bag`` at several collection sizes, per-file time and peak memory.

The larger collections reuse the small corpus's images under new names (hard
links), each item with its own caption, so they cost nothing to make and
differ from the small corpus only in how many items there are. A packager
whose work per item does not depend on the collection's size shows the same
seconds per file at every size; one that keeps every item's data in memory
shows its peak growing with the count.

Ratios are against the smallest size, within each round: seconds per file
at size N over seconds per file at the smallest, and the peak at each size
over the smallest's. Seconds per file include the fixed start-up cost, which
small collections feel most; the marginal cost (milliseconds per extra file
from the next smaller size, within each round) leaves it out.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .context import Context, issue_counts, run_bag
from .corpus import Corpus, scaled
from .measure import Sample, Series, figure, paired_ratio, rounds


def bench(ctx: Context, cache: Path, base: Corpus, seed: int, sizes: list[int]) -> dict[str, Any]:
    corpora = {f"{n}": scaled(cache, base, seed, n) for n in sorted(set(sizes))}
    folders = {name: ctx.folder(f"scale-{name}") for name in corpora}

    def bag(name: str) -> Sample:
        folder = folders[name]
        return run_bag(ctx, corpora[name], folder / "out", folder / "packager-bag.json")

    def bound(name: str) -> Callable[[], Sample]:
        return lambda: bag(name)

    things = {name: bound(name) for name in corpora}
    series = {name: Series(c.files, c.bytes) for name, c in corpora.items()}
    by_round = rounds(ctx.repeat, things, series, "scale")
    names = sorted(corpora, key=lambda name: corpora[name].files)
    smallest = names[0]
    points = []
    for previous, name in zip([None, *names], names, strict=False):

        def per_file(r: dict[str, Sample], name: str = name) -> float:
            return (r[name].seconds / corpora[name].files) / (r[smallest].seconds / corpora[smallest].files)

        point = series[name].figures() | {
            "s_per_file_vs_smallest": paired_ratio(by_round, per_file),
            "peak_vs_smallest": figure(series[name].peak_mb / series[smallest].peak_mb),
        }
        if previous is not None:
            point["marginal_ms_per_file"] = paired_ratio(by_round, _marginal(corpora, previous, name))
        points.append(point | {"issues": issue_counts(folders[name] / "packager-bag.json")})
    return {"smallest": corpora[smallest].files, "points": points}


def _marginal(corpora: dict[str, Corpus], smaller: str, larger: str) -> Callable[[dict[str, Sample]], float]:
    """Milliseconds per extra file from the next smaller size to this one: the per-file cost
    without the fixed start-up cost (loading reference data, starting ExifTool)."""
    extra = corpora[larger].files - corpora[smaller].files

    def value(r: dict[str, Sample]) -> float:
        return (r[larger].seconds - r[smaller].seconds) / extra * 1000

    return value

"""The results as a readable table (stdout) and as one JSON document (``--json FILE``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BAG_ROWS = (("packager", "packager bag"), ("diy", "DIY: exiftool per file + bagit"),
            ("limit", "limit: exiftool batch import x2"))
VALIDATE_ROWS = (("no_metadata", "packager validate --no-metadata"), ("full", "packager validate (full)"),
                 ("bagit", "bagit 1.9.0 validate, 2 procs"), ("hash_limit", "limit: sha256+sha512, threads"),
                 ("exiftool_read", "limit: exiftool batch read x2"))
RATIOS = {
    "packager_over_limit": "packager bag time / limit time",
    "speedup_vs_diy": "speed-up vs DIY (per file)",
    "no_metadata_speedup_vs_bagit": "--no-metadata speed-up vs bagit",
    "no_metadata_over_hash_limit": "--no-metadata time / hashing limit",
    "full_over_limits": "full validate / (hashing + exiftool read)",
}
HEADER = f"{'corpus':<7} {'measured':<36} {'files':>6} {'median s':>9} {'files/s':>9} {'MB/s':>8} {'peak MB':>8}"


def _row(corpus: str, label: str, f: dict[str, Any]) -> str:
    return (f"{corpus:<7} {label:<36} {f['files']:>6} {f['seconds']:>9.2f} {f['files_per_s']:>9.2f} "
            f"{f['mb_per_s']:>8.2f} {f['peak_rss_mb']:>8.1f}")


def _ratios(ratios: dict[str, dict[str, Any]]) -> list[str]:
    return [f"{'':<7} {RATIOS[key] + ':':<44} {value['median']:>7.2f}x   rounds: "
            + ", ".join(f"{v:.2f}" for v in value["rounds"]) for key, value in ratios.items()]


def _section(title: str, rows: tuple[tuple[str, str], ...], by_corpus: dict[str, Any]) -> list[str]:
    lines = ["", title, HEADER]
    for corpus, figures in by_corpus.items():
        lines += [_row(corpus, label, figures[key]) for key, label in rows]
        lines += _ratios(figures["ratios"])
    return lines


def _scale(scale: dict[str, Any]) -> list[str]:
    lines = ["", f"packager bag at several sizes (ratios against {scale['smallest']} files, per round)",
             f"{'files':>7} {'median s':>9} {'ms/file':>9} {'vs smallest':>12} {'marginal ms/file':>17} "
             f"{'peak MB':>8} {'vs smallest':>12}"]
    for p in scale["points"]:
        marginal = f"{p['marginal_ms_per_file']['median']:>17.2f}" if "marginal_ms_per_file" in p else f"{'-':>17}"
        lines.append(f"{p['files']:>7} {p['seconds']:>9.2f} {p['ms_per_file']:>9.2f} "
                     f"{p['s_per_file_vs_smallest']['median']:>11.2f}x {marginal} {p['peak_rss_mb']:>8.1f} "
                     f"{p['peak_vs_smallest']:>11.2f}x")
    lines.append("  marginal: milliseconds per extra file from the next smaller size (start-up cost left out)")
    return lines


def render(results: dict[str, Any]) -> str:
    meta = results["benchmark"]
    lines = [f"packager benchmark: {meta['repeat']} rounds, medians; ratios are medians of per-round ratios",
             f"  {meta['cpus']} CPUs, load average {meta['load_before']} before, {meta['load_after']} after; "
             f"packager {meta['packager_version']}, exiftool {meta['exiftool_version']}, "
             f"bagit {meta['bagit_version']}; {meta['total_s']:.0f} s in all",
             "  peak MB: largest resident set of any one process of the measured thing (wait4 ru_maxrss); "
             f"a process that does nothing shows {meta['peak_floor_mb']} MB"]
    lines.append("corpora: " + "; ".join(f"{name} {c['files']} x {c['size']} ({c['bytes'] / 1e6:.1f} MB)"
                                         for name, c in results["corpora"].items()))
    if "bag" in results:
        lines += _section("packaging", BAG_ROWS, results["bag"])
        lines.append(f"{'':<7} (DIY runs on the first files of each corpus, as many as its files column says;"
                     " it is compared per file)")
    if "validate" in results:
        lines += _section("validation (payload: images and sidecars; exiftool read: images only)",
                          VALIDATE_ROWS, results["validate"])
    if "scale" in results:
        lines += _scale(results["scale"])
    return "\n".join(lines) + "\n"


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

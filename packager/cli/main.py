"""The command line: a thin edge over the library.

stdout carries only the result (text, or exactly one JSON document with
``--json``, failures included); progress and logs go to stderr.

Exit codes: 0 ok (warnings allowed), 1 finished with errors (invalid bag,
failed items), 2 usage error, 3 environment or configuration error.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from packager import __version__
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_USAGE, PackagerError

from . import render as report

log = logging.getLogger("packager")


class _Progress:
    """Progress on stderr: a live line on a terminal, a few lines otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()
        self._last: dict[str, int] = {}

    @staticmethod
    def _amount(stage: str, done: int, total: int) -> str:
        if stage == "verify":  # counted in bytes hashed
            return f"{done / 1e6:.1f}/{total / 1e6:.1f} MB"
        return f"{done}/{total} items"

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        amount = self._amount(stage, done, total)
        if self.tty:
            width = 30
            filled = int(width * done / total)
            sys.stderr.write(f"\r{stage:>7} [{'#' * filled}{'.' * (width - filled)}] {amount}   ")
            if done == total:
                sys.stderr.write("\n")
            sys.stderr.flush()
            return
        step = max(1, total // 4)
        if done == total or done - self._last.get(stage, 0) >= step:
            self._last[stage] = done
            print(f"{stage}: {amount}", file=sys.stderr)


def _emit(as_json: bool, document: dict[str, Any], text: str) -> None:
    click.echo(report.to_json(document) if as_json else text, nl=as_json)


def _run(command: str, as_json: bool, body: Callable[[], int]) -> None:
    """Run a command body; turn PackagerError into a message and its exit code."""
    try:
        code = body()
    except PackagerError as exc:
        if as_json:
            click.echo(report.to_json(report.error_document(command, exc.message, exc.exit_code, exc.issues)))
        else:
            codes = "/".join(dict.fromkeys(i.code for i in exc.issues))
            click.echo(f"packager {command}: {codes + ' ' if codes else ''}{exc.message}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo(f"packager {command}: interrupted; the originals are unchanged and an unfinished bag "
                   "(.partial) is removed", err=True)
        sys.exit(130)
    sys.exit(code)


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="packager")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output on stderr.")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Package photo collections with their captions into validated BagIt bags.

    Captions are mapped to Dublin Core and IPTC Photo Metadata, embedded in
    copies of the images (XMP, IPTC-IIM, EXIF) with ExifTool, described by
    sidecar records, and bagged (BagIt 1.0, RFC 8493).
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr, format="%(levelname)s %(message)s")
    ctx.obj = {"progress": _Progress(enabled=not quiet)}


@cli.command()
@click.argument("collection", type=click.Path(path_type=Path))
@json_option
def extract(collection: Path, as_json: bool) -> None:
    """Print the records of COLLECTION as they would be embedded; write nothing.

    COLLECTION is a folder holding collection.toml, or that file. Exit 1 when
    any item or the caption source has an error.
    """
    from packager.pipeline import extract as run_extract

    def body() -> int:
        ex = run_extract(collection)
        _emit(as_json, report.extraction_document(ex), report.extraction_text(ex))
        return EXIT_FAILED if ex.errors else EXIT_OK

    _run("extract", as_json, body)


@cli.command()
@click.argument("collection", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("bags"), show_default=True,
              help="Folder in which the bag <identifier>/ is written.")
@click.option("--replace", is_flag=True,
              help="Replace an existing bag of the same name, once the new one is complete.")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Items embedded at once, each with its own ExifTool (default: CPU count, at most 4).")
@json_option
@click.pass_context
def bag(ctx: click.Context, collection: Path, out_dir: Path, replace: bool, workers: int | None,
        as_json: bool) -> None:
    """Package COLLECTION into a BagIt bag under --out, then validate it.

    The bag is staged as <identifier>.partial/ and renamed when complete.
    Exit 0 when the bag was written and is valid, 1 otherwise.
    """
    from packager.pipeline import DEFAULT_WORKERS, build_bag

    def body() -> int:
        run = build_bag(collection, out_dir, replace_existing=replace, workers=workers or DEFAULT_WORKERS,
                        progress=ctx.obj["progress"])
        _emit(as_json, report.bag_document(run), report.bag_text(run))
        return EXIT_OK if run.ok else EXIT_FAILED

    _run("bag", as_json, body)


@cli.command()
@click.argument("collection", type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write the sheet here instead of the collection's review sheet (default: review.csv beside "
                   "collection.toml, or [source] review).")
@json_option
def review(collection: Path, out_file: Path | None, as_json: bool) -> None:
    """Write the review sheet of COLLECTION: one row per item, for an archivist to correct.

    Edit the sheet in a spreadsheet; the next extract or bag run reads it and
    the archivist's values win. Running review again keeps the edits and
    refreshes the rest. Exit 1 when a row with edits no longer matches an
    image (nothing is written then) or an item has errors.
    """
    from packager.pipeline import write_review

    def body() -> int:
        run = write_review(collection, out_file)
        _emit(as_json, report.review_document(run), report.review_text(run))
        return EXIT_FAILED if run.errors or run.sheet is None else EXIT_OK

    _run("review", as_json, body)


@cli.command()
@click.argument("bag_path", metavar="BAG", type=click.Path(path_type=Path))
@json_option
@click.option("--fast", is_flag=True, help="Check only Payload-Oxum and completeness.")
@click.option("--completeness-only", is_flag=True, help="Check that every file is present; no hashing.")
@click.option("--no-metadata", is_flag=True, help="Skip the metadata layer (sidecars and embedded tags).")
@click.option("--profile", "profile_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Also check the bag against this BagIt profile (BagIt Profiles JSON, DART or LoC Bagger "
                   "format).")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Hash a bag folder's files in this many processes.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.pass_context
def validate(ctx: click.Context, bag_path: Path, as_json: bool, fast: bool, completeness_only: bool,
             no_metadata: bool, profile_file: Path | None, processes: int, strict: bool) -> None:
    """Validate BAG: BagIt structure and checksums, the BagIt profile, then the metadata inside.

    BAG is a bag folder or a .tar, .tar.gz, .tgz or .zip holding one (read in
    place, never extracted). Reports every problem with a code, the path and
    what to do. Exit 0 valid (warnings allowed unless --strict), 1 invalid,
    3 when the embedded metadata could not be read (ExifTool missing; the
    report still gives every other finding) or the profile file is unusable.
    """
    from packager.validate.validator import validate as run_validate

    def body() -> int:
        result = run_validate(bag_path, fast=fast, completeness_only=completeness_only, metadata=not no_metadata,
                              progress=ctx.obj["progress"], processes=processes, profile=profile_file)
        _emit(as_json, report.validation_document(result), report.validation_text(result))
        failed = not result.valid or (strict and result.warnings > 0)
        if failed:
            return EXIT_FAILED
        return EXIT_ENVIRONMENT if result.incomplete else EXIT_OK

    _run("validate", as_json, body)


def main(argv: list[str] | None = None) -> None:
    """Entry point; usage errors exit 2, as one JSON document too with --json."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="packager", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if "--json" in args:
            click.echo(report.to_json(report.error_document(args[0] if args else "", exc.format_message(),
                                                            EXIT_USAGE)))
        else:
            exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)

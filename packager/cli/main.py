"""The command line: a thin edge over the library.

stdout carries only the result (text, or exactly one JSON document with
``--json``, failures and usage errors included); progress and logs go to
stderr. Progress is one bar per stage (analyse, embed, verify, metadata) with
done/total, rate and ETA, drawn only when stderr is a terminal and ``--quiet``
is not given (:mod:`.progress`); otherwise nothing is printed for it.

``bag`` options beyond the collection: ``--out DIR``, ``--replace``,
``--workers N`` (items embedded at once), ``--skip-failed`` (package what did
not fail; what did is listed in the bag), ``--bagging-date YYYY-MM-DD`` (the
date every date in the bag carries; default SOURCE_DATE_EPOCH when set, else
today) and ``--scheduler tcp://HOST:PORT`` (run the item work on an existing
Dask cluster instead of a local pool). ``validate --workers N`` hashes files
and reads images with N workers side by side (default: one per CPU core;
``--processes`` is its old name, still accepted). ``validate`` given several
bags, or a folder of bags, checks them as a bag group (RFC 8493 Bag-Count and
Bag-Group-Identifier): 1 when a bag is invalid or the group incomplete.

Exit codes: 0 ok (warnings allowed), 1 finished with errors (invalid bag,
a bag group with an invalid bag or not complete, failed items), 2 usage
error (also a malformed --bagging-date or --scheduler), 3 environment or
configuration error, 4 a valid bag that ``--skip-failed`` left entries out
of, 130 interrupted. No
traceback reaches a user: a PackagerError becomes its message and exit code.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from packager import __version__
from packager.errors import EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, PackagerError

from . import render as report
from .progress import Progress, log_handler

log = logging.getLogger("packager")

#: What a command body returns: its exit code, its JSON document and its text.
Outcome = tuple[int, dict[str, Any], str]


def _run(command: str, as_json: bool, body: Callable[[], Outcome]) -> None:
    """Run a command body and print its result; turn PackagerError into a message and its exit code.

    The progress bars are closed before anything else is printed, so a result,
    an error or the interruption notice never lands inside a bar.
    """
    progress = click.get_current_context().find_object(Progress)
    try:
        try:
            code, document, text = body()
        finally:
            if progress is not None:
                progress.close()
        if as_json:
            report.write_json(document, lambda part: click.echo(part, nl=False))
        else:
            click.echo(report.terminal_safe(text), nl=False)
    except PackagerError as exc:
        if as_json:
            click.echo(report.to_json(report.error_document(command, exc.message, exc.exit_code, exc.issues)))
        else:
            codes = "/".join(dict.fromkeys(i.code for i in exc.issues))
            click.echo(report.terminal_safe(f"packager {command}: {codes + ' ' if codes else ''}{exc.message}"),
                       err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        click.echo(report.terminal_safe(f"packager {command}: {_interrupted(command, exc)}"), err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: said as one, without a traceback (-vv logs it)
        log.debug("internal error in %s", command, exc_info=True)
        message = (f"internal error ({type(exc).__name__}: {exc}); the originals are unchanged and no bag that "
                   "failed its check took a bag's name. This is a bug in the packager: please report it with "
                   f"the output of `packager -vv {command} ...`")
        if as_json:
            click.echo(report.to_json(report.error_document(command, message, EXIT_FAILED, ())))
        else:
            click.echo(report.terminal_safe(f"packager {command}: {message}"), err=True)
        sys.exit(EXIT_FAILED)
    sys.exit(code)


#: Where a bag command notes its bag once checked and named (click's per-run ``meta`` dictionary).
FINISHED_BAG = "packager.finished_bag"


def _interrupted(command: str, exc: KeyboardInterrupt) -> str:
    """What an interrupt left: for a bag run, either no bag or a bag that was fully checked."""
    if command != "bag":
        return "interrupted; nothing was changed"
    bag = getattr(exc, "bag", None) or click.get_current_context().meta.get(FINISHED_BAG)
    if bag is not None:
        return (f"interrupted after the bag {bag} was checked (valid) and took its name: the bag is complete; "
                "only this report was cut short (`packager validate` it to see the report again)")
    return ("interrupted before the bag was checked: no bag was left (the unfinished .partial folder is "
            "removed) and the originals are unchanged; run again")


def _scheduler_address(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--scheduler`` must name a host and a port (tcp://HOST:PORT); anything else is a usage error."""
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        port = None
    if not parts.scheme or not parts.hostname or port is None or parts.path not in ("", "/"):
        raise click.BadParameter(f"{value!r} is not a scheduler address; give it as tcp://HOST:PORT "
                                 "(e.g. tcp://10.0.0.5:8786)", ctx=ctx, param=param)
    return value


json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")


M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)
ARENAS = 2


def fewer_malloc_arenas() -> None:
    """Let glibc keep at most :data:`ARENAS` malloc arenas in this process.

    By default glibc gives threads up to eight heaps per core, and a bag run's
    threads (the engine's workers, the probe reader, hashing and fsync pools)
    each leave freed memory stranded in their own heap. Measured on 2,000 and
    8,000 small files, resident memory then grew about 2 KB per item; with two
    arenas, about 1.3 KB and 7 MB less at every size, at the same speed. An
    explicit ``MALLOC_ARENA_MAX`` in the environment wins; other C libraries are
    left alone.
    """
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt(M_ARENA_MAX, ARENAS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="packager")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True,
              help="No progress bars on stderr (they are drawn only when stderr is a terminal anyway).")
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """Package photo collections with their captions into validated BagIt bags.

    Captions are mapped to Dublin Core and IPTC Photo Metadata, embedded in
    copies of the images (XMP, IPTC-IIM, EXIF) with ExifTool, described by
    sidecar records, and bagged (BagIt 1.0, RFC 8493).

    Results go to stdout; progress (a bar per stage, on a terminal only) and
    logs go to stderr. Exit codes: 0 done, 1 finished with errors, 2 usage
    error, 3 environment or configuration, 4 bag made without the entries
    that failed (bag --skip-failed), 130 interrupted.
    """
    progress = Progress(enabled=not quiet)
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(level=max(level, logging.DEBUG), handlers=[log_handler(progress)])  # its own format
    if progress.active:
        logging.captureWarnings(True)  # Python warnings go through the same bar-safe handler
    ctx.obj = progress


@cli.command()
@click.argument("collection", type=click.Path(path_type=Path))
@json_option
def extract(collection: Path, as_json: bool) -> None:
    """Print the records of COLLECTION as they would be embedded; write nothing.

    COLLECTION is a folder holding collection.toml, or that file. Exit 1 when
    any item or the caption source has an error.
    """
    from packager.pipeline import extract as run_extract

    def body() -> Outcome:
        ex = run_extract(collection)
        return (EXIT_FAILED if ex.errors else EXIT_OK), report.extraction_document(ex), report.extraction_text(ex)

    _run("extract", as_json, body)


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """--max-bag-size as bytes; a malformed size is a usage error (exit 2)."""
    if value is None:
        return None
    from packager.pipeline.deposit import parse_size

    try:
        return parse_size(value)
    except PackagerError as exc:
        raise click.BadParameter(exc.message) from None


@cli.command()
@click.argument("collection", type=click.Path(path_type=Path))
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("bags"), show_default=True,
              help="Folder in which the bag <identifier>/ is written.")
@click.option("--replace", is_flag=True,
              help="Replace an existing bag of the same name, once the new one is valid.")
@click.option("--workers", type=click.IntRange(1, 32), default=None, metavar="N",
              help="Items embedded at once here, each worker with its own ExifTool (default: CPU count, at most "
                   "4; with --scheduler the cluster's workers do the work).")
@click.option("--bagging-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="The date the bag carries (Bagging-Date and every other date written into the bag), so that "
                   "a rerun gives the same bag. Default: SOURCE_DATE_EPOCH when set, else today.")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None, callback=_scheduler_address,
              help="Run the item work on the existing Dask cluster whose scheduler listens here (needs the "
                   "'dask' extra; its workers must see the collection and --out at the same paths). Default: a "
                   "local pool on this machine.")
@click.option("--skip-failed", is_flag=True,
              help="Package the items that did not fail, and leave out those that did, each listed with its "
                   "reason in data/metadata/excluded.csv (exit 4 when any was left out). Default: any error "
                   "means no bag.")
@click.option("--profile", "profile_name", metavar="FILE|NAME", default=None,
              help="Make the bag to this BagIt profile: a profile file (BagIt Profiles JSON, DART or LoC Bagger) "
                   "or a shipped one by name: aptrust (APTrust 2.3), btr (Beyond the Repository 1.0), packager "
                   "(ours, the default). The bag is checked against it before it takes its name.")
@click.option("--serialize", type=click.Choice(["tar", "tar.gz", "zip"]), default=None,
              help="Write the bag as one archive, <identifier>.tar (etc.), holding one folder named after the "
                   "bag, checked in place. Default: a folder, unless the profile requires an archive.")
@click.option("--max-bag-size", "max_bag_size", metavar="SIZE", default=None, callback=_size,
              help="Split the collection into a bag group, bags of whole items each at most SIZE (e.g. 500MB, "
                   "4GiB), named <identifier>.b001.of003 and so on.")
@json_option
def bag(collection: Path, out_dir: Path, replace: bool, workers: int | None,
        bagging_date: datetime.datetime | None, scheduler: str | None, skip_failed: bool,
        profile_name: str | None, serialize: str | None, max_bag_size: int | None, as_json: bool) -> None:
    """Package COLLECTION into a BagIt bag under --out, validated before it takes its name.

    The bag is staged as <identifier>.partial/, validated there, and renamed
    only when valid; one that fails its own check is kept as
    .<identifier>.rejected/. Any error means no bag, unless --skip-failed.
    Exit 0 when the bag (every bag of a group) was written and is valid, 4
    when it is valid but --skip-failed left entries out, 1 otherwise; 3 when
    the profile cannot be used or asks for what the collection does not give.
    """
    from packager.pipeline import DEFAULT_WORKERS, build_bag
    from packager.validate.profile import resolve_profile

    progress = click.get_current_context().find_object(Progress)

    def body() -> Outcome:
        profile = resolve_profile(profile_name) if profile_name is not None else None
        run = build_bag(collection, out_dir, replace_existing=replace, workers=workers or DEFAULT_WORKERS,
                        progress=progress, bagging_date=bagging_date.date() if bagging_date else None,
                        scheduler=scheduler, skip_failed=skip_failed, profile=profile, serialize=serialize,
                        max_bag_size=max_bag_size)
        if run.ok:
            click.get_current_context().meta[FINISHED_BAG] = run.bag
        code = (EXIT_PARTIAL if run.excluded else EXIT_OK) if run.ok else EXIT_FAILED
        return code, report.bag_document(run), report.bag_text(run)

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

    def body() -> Outcome:
        run = write_review(collection, out_file)
        code = EXIT_FAILED if run.errors or run.sheet is None else EXIT_OK
        return code, report.review_document(run), report.review_text(run)

    _run("review", as_json, body)


@cli.command()
@click.argument("bag_paths", metavar="BAG...", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@click.option("--fast", is_flag=True, help="Check only Payload-Oxum and completeness.")
@click.option("--completeness-only", is_flag=True, help="Check that every file is present; no hashing.")
@click.option("--no-metadata", is_flag=True, help="Skip the metadata layer (sidecars and embedded tags).")
@click.option("--profile", "profile_name", metavar="FILE|NAME", default=None,
              help="Also check the bag against this BagIt profile: a file (BagIt Profiles JSON, DART or LoC "
                   "Bagger format) or a shipped one by name (aptrust, btr, packager).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, metavar="N",
              help="Check with N workers side by side: files hashed and images read in parallel (default: one "
                   "per CPU core).")
@click.option("--processes", "processes_alias", type=click.IntRange(1, 64), default=None, hidden=True)
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
def validate(bag_paths: tuple[Path, ...], as_json: bool, fast: bool, completeness_only: bool, no_metadata: bool,
             profile_name: str | None, workers: int | None, processes_alias: int | None, strict: bool) -> None:
    """Validate BAG: BagIt structure and checksums, the BagIt profile, then the metadata inside.

    BAG is a bag folder or a .tar, .tar.gz, .tgz or .zip holding one (read in
    place, never extracted). Reports every problem with a code, the path and
    what to do. Exit 0 valid (warnings allowed unless --strict), 1 invalid,
    3 when the embedded metadata could not be read (ExifTool missing; the
    report still gives every other finding) or the profile file is unusable.

    Several BAGs, or a folder holding bags, are checked as a bag group (each
    bag, then Bag-Group-Identifier, Bag-Count 'K of N', every bag from 1 to N
    once, no file or item in two bags): exit 1 when a bag is invalid or the
    group is not complete; --profile and the other options apply to every bag.
    """
    from packager.validate.group import holds_bags, validate_group
    from packager.validate.profile import resolve_profile
    from packager.validate.validator import validate as run_validate

    if workers is not None and processes_alias is not None and workers != processes_alias:
        raise click.UsageError("--processes is the old name of --workers; give --workers only")
    chosen = workers if workers is not None else processes_alias  # None: the validator uses every CPU
    progress = click.get_current_context().find_object(Progress)

    def body() -> Outcome:
        profile_file = resolve_profile(profile_name) if profile_name is not None else None
        if len(bag_paths) > 1 or holds_bags(bag_paths[0]):
            group = validate_group(bag_paths, fast=fast, completeness_only=completeness_only,
                                   metadata=not no_metadata, progress=progress, workers=chosen, profile=profile_file)
            failed = not group.valid or (strict and group.warnings + sum(b.warnings for b in group.bags) > 0)
            code = EXIT_FAILED if failed else EXIT_ENVIRONMENT if group.incomplete else EXIT_OK
            return code, report.group_document(group), report.group_text(group)
        result = run_validate(bag_paths[0], fast=fast, completeness_only=completeness_only, metadata=not no_metadata,
                              progress=progress, workers=chosen, profile=profile_file)
        failed = not result.valid or (strict and result.warnings > 0)
        code = EXIT_FAILED if failed else EXIT_ENVIRONMENT if result.incomplete else EXIT_OK
        return code, report.validation_document(result), report.validation_text(result)

    _run("validate", as_json, body)


def main(argv: list[str] | None = None) -> None:
    """Entry point; usage errors exit 2, as one JSON document too with --json."""
    args = sys.argv[1:] if argv is None else argv
    fewer_malloc_arenas()
    try:
        _main(args)
    finally:
        if argv is None:  # the command line, not a test calling in: the result is out, the rest is shutting down
            _ignore_interrupts()


def _ignore_interrupts() -> None:
    """Ctrl-C once the result is printed: ignored, so that the exit code stays the one the result
    says (freeing the reference data and joining idle threads can take a moment)."""
    with contextlib.suppress(ValueError):  # not the main thread of the main interpreter
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _main(args: list[str]) -> None:
    try:
        cli.main(args=args, prog_name="packager", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        if "--json" in args:
            click.echo(report.to_json(report.error_document(_command(args), exc.format_message(), EXIT_USAGE)))
        else:
            exc.show()
        sys.exit(EXIT_USAGE)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)


def _command(args: list[str]) -> str:
    """The command a usage error is about: the first word that is not a global option."""
    return next((a for a in args if a in cli.commands), args[0] if args else "")

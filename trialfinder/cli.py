"""The command line: parse options, call the library, turn errors into exit codes once."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from types import FrameType
from typing import IO, TYPE_CHECKING, Any

import click

from trialfinder import __version__
from trialfinder.errors import (
    ExitCode,
    InvalidInput,
    Terminated,
    TrialfinderError,
    add_note,
    notes_of,
)
from trialfinder.inert import inert

# Only light modules here: `trialfinder --help` must start fast (see benchmarks/startup.py);
# everything else is imported by the command that needs it.
from trialfinder.vocabulary import (
    BINARY_FORMATS,
    CATEGORY_NAMES,
    DEFAULT_SETTINGS,
    DEFAULT_WITHIN,
    EXTENSIONS,
    FITS,
    FORMATS,
    PHASES,
    SETTINGS,
    SORTS,
    STATUSES,
    TERMINAL_LIMIT,
)

if TYPE_CHECKING:
    import datetime as dt
    import logging
    from pathlib import Path

    from trialfinder.criteria import SearchCriteria
    from trialfinder.digest.config import DigestConfig
    from trialfinder.outfile import GuardedStream
    from trialfinder.profile import Profile
    from trialfinder.progress import PageProgress
    from trialfinder.request import SearchOptions, SearchRequest
    from trialfinder.search import SearchRun
    from trialfinder.settings import Settings
    from trialfinder.sources.base import Source

    _TextParam = click.ParamType[str]
    _DateParam = click.ParamType[dt.date]
    _TextChoice = click.Choice[str]
else:  # click before 8.2 takes no type parameters
    _TextParam = _DateParam = click.ParamType
    _TextChoice = click.Choice


class App:
    """What the global options configure, shared by every command."""

    def __init__(
        self,
        api_url: str | None,
        debug: bool,
        source: str,
        templates: str | None = None,
        no_cache: bool = False,
        refresh: bool = False,
        quiet: bool = False,
    ) -> None:
        self.api_url = api_url
        self.quiet = quiet
        self.debug = debug
        self.source_name = source
        self.templates_option = templates
        self.no_cache = no_cache
        self.refresh = refresh

    @functools.cached_property
    def settings(self) -> Settings:
        """Defaults, then TRIALFINDER_* variables, then the global options; read once."""
        from trialfinder.settings import Settings

        return Settings.from_env(
            api_url=self.api_url,
            templates=self.templates_option,
            cache=False if self.no_cache else None,
            cache_refresh=True if self.refresh else None,
        )

    @property
    def templates(self) -> str | None:
        """The user's template folder (--templates, else TRIALFINDER_TEMPLATES), if any."""
        return self.settings.templates

    def source(self) -> Source:
        from trialfinder import sources

        return sources.create(self.source_name, self.settings)


class TrialfinderGroup(click.Group):
    """Turns library errors into a one-line message and an exit code, in one place."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            try:
                arg.encode("utf-8")
            except UnicodeEncodeError:
                # Bytes that are not UTF-8 arrive as lone surrogates: show them as \xNN.
                shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
                raise click.UsageError(
                    f"argument '{shown}' is not UTF-8 text; trialfinder reads its arguments, "
                    "file names included, as UTF-8",
                    ctx,
                ) from None
        args = hoist_global_options(args)
        ctx.meta["trialfinder.argv"] = list(args)  # for hints that repeat the command
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _signals_as_interrupts():
                return super().invoke(ctx)
        except TrialfinderError as exc:
            lines = exc.lines()
            # A hint speaks to a single problem; a list of problems stands on its own.
            hint = exc.hint if lines == [exc.message] else None
            _report(ctx, _with_notes(lines, exc), hint, exc)
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            # The reader (e.g. `| head`) stopped early: not an error for us.
            with contextlib.suppress(OSError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt as exc:
            if isinstance(exc, Terminated):
                what, code = f"stopped by {exc.signal_name}", exc.exit_code
            else:
                what, code = "interrupted", ExitCode.INTERRUPTED
            _say(f"trialfinder: {'; '.join([what, *notes_of(exc)])}")
            ctx.exit(code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except (SystemExit, GeneratorExit):
            raise
        # (BaseException: a library's panic, PanicException of a Rust extension, is one.)
        except BaseException as exc:
            if isinstance(exc, OSError) and exc.errno in _DISK_ERRORS:
                # A full disk anywhere (a renderer's own stream is more precise, see outfile).
                where = exc.filename or "the output"
                _report(ctx, [f"cannot write {where}: {exc.strerror}"], None, exc)
                ctx.exit(ExitCode.OUTPUT)
            # A bug: say so briefly, the traceback is behind --debug.
            _report(
                ctx,
                _with_notes([f"unexpected error: {exc.__class__.__name__}: {exc}"], exc),
                "this is a bug in trialfinder; run again with --debug and report it",
                exc,
            )
            ctx.exit(ExitCode.INTERNAL)


class _PathArgument(click.Path):
    """A file or folder argument given to the command as a ``pathlib.Path``; pathlib is imported
    when a path is given, not for ``--help`` (see benchmarks/startup.py)."""

    def coerce_path_result(self, value: Any) -> Any:
        import pathlib

        return pathlib.Path(value)


# The global options, as they may also be written after the command (`search x --no-cache`).
GLOBAL_FLAGS = frozenset({"--no-cache", "--refresh", "--debug", "--quiet", "-q"})
GLOBAL_WITH_VALUE = frozenset({"--api-url", "--templates", "--source"})


def hoist_global_options(args: list[str]) -> list[str]:
    """``args`` with the global options found after the command moved before it, so that
    ``search myeloma --no-cache`` means ``--no-cache search myeloma``. Nothing after ``--``
    is moved, and a value that follows a global option goes with it."""
    start = 0
    while start < len(args) and args[start].startswith("-") and args[start] != "--":
        start += 2 if args[start] in GLOBAL_WITH_VALUE else 1
    if start >= len(args):
        return list(args)
    head, hoisted, kept = list(args[:start]), [], []
    rest = args[start:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            kept.extend(rest[i:])
            break
        if arg in GLOBAL_FLAGS or ("=" in arg and arg.split("=", 1)[0] in GLOBAL_WITH_VALUE):
            hoisted.append(arg)
        elif arg in GLOBAL_WITH_VALUE and i + 1 < len(rest):
            hoisted.extend(rest[i : i + 2])
            i += 1
        else:
            kept.append(arg)
        i += 1
    return head + hoisted + kept


# The disk is full, over quota or failing: no bug, and not the user's input either.
_DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})

# What `timeout`, systemd, cron and a closed terminal send; handled as Ctrl-C is.
_STOP_SIGNALS = {"SIGTERM": ExitCode.TERMINATED, "SIGHUP": ExitCode.HANGUP}


@contextlib.contextmanager
def _signals_as_interrupts() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Terminated` (a KeyboardInterrupt), so that they stop
    trialfinder as Ctrl-C does: clean-up runs, a partial file is kept, a message is shown.

    A signal that is ignored (``nohup``) stays ignored; a second signal while stopping is
    not raised again, so that the clean-up can finish.
    """
    import signal  # here, not on import: `--help` never needs it
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping: list[str] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        if stopping:
            return
        name = signal.Signals(signum).name
        stopping.append(name)
        raise Terminated(name, _STOP_SIGNALS[name])

    previous = {}
    for name in _STOP_SIGNALS:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, stop)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _with_notes(lines: list[str], exc: BaseException) -> list[str]:
    """The last line of an error carries its notes (where a partial file was kept, say)."""
    notes = notes_of(exc)
    if not notes or not lines:
        return lines
    return [*lines[:-1], "; ".join([lines[-1], *notes])]


def _report(ctx: click.Context, lines: list[str], hint: str | None, exc: BaseException) -> None:
    app = ctx.find_object(App)
    if app is not None and app.debug:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    for line in lines:
        _say(f"trialfinder: error: {line}")
    if hint:
        _say(f"  hint: {hint}", indent="    ")


def _say(message: str, indent: str = "  ", dim: bool = False) -> None:
    """``message`` on standard error, inert; on a terminal, wrapped at spaces to its width
    (its later lines indented by ``indent``), where the terminal would cut words in two."""
    text = inert(message)
    columns = _terminal_columns(sys.stderr)
    if columns:
        import textwrap

        text = "\n".join(
            textwrap.fill(
                line,
                columns,
                subsequent_indent=indent,
                break_long_words=False,  # a path or a URL stays whole
                break_on_hyphens=False,  # as do "--limit" and "non-small"
            )
            for line in text.splitlines()
        )
    click.echo(click.style(text, dim=True) if dim else text, err=True)


def _terminal_columns(stream: IO[str]) -> int:
    """The width of the terminal ``stream`` writes to; 0 for a file, a pipe or a terminal
    that gives no size."""
    try:
        return os.get_terminal_size(stream.fileno()).columns if stream.isatty() else 0
    except (OSError, ValueError):  # (io.UnsupportedOperation is both)
        return 0


def _log_handler(fmt: str, datefmt: str | None = None) -> logging.Handler:
    """A handler on standard error whose lines are inert (log messages quote records)."""
    import logging

    class InertFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return inert(super().format(record))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(InertFormatter(fmt, datefmt))
    return handler


def _make_folder(path: Path) -> None:
    """Make the folder ``path`` (and those above it), one files can be written in, or stop
    with a usage error saying why."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        # (mkdir says "File exists" where a file is in the way of the folder)
        reason = "a file is in the way" if isinstance(exc, FileExistsError) else exc.strerror
        raise click.UsageError(f"cannot make the folder {path}: {reason or exc}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise click.UsageError(f"cannot write in the folder {path}: permission denied")


def _write_new(path: Path, text: str, force: bool, make_folder: bool = False) -> None:
    """Write an example file the user asked for, never over an existing one without --force."""
    if make_folder:
        _make_folder(path.parent)
    try:
        with path.open("w" if force else "x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise click.UsageError(
            f"{path} exists; give another PATH, or --force to replace it"
        ) from None
    except OSError as exc:
        raise click.UsageError(f"cannot write {path}: {exc.strerror}") from None


def _setup_logging(debug: bool) -> None:
    import logging

    handler = _log_handler("trialfinder: %(levelname)s: %(message)s")
    root = logging.getLogger("trialfinder")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    root.propagate = False


class NctIdType(_TextParam):
    name = "NCT_ID"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            from trialfinder.model import normalize_nct_id

            return normalize_nct_id(value)
        except InvalidInput as exc:
            self.fail(f"{exc}; NCT ids look like NCT01234567", param, ctx)


class DateType(_DateParam):
    name = "DATE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> dt.date:
        import datetime as dt

        if isinstance(value, dt.date):
            return value
        from trialfinder.criteria import parse_date

        try:
            return parse_date(value)
        except InvalidInput as exc:
            self.fail(f"{exc.message} ({exc.hint})", param, ctx)


def _api_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from trialfinder.settings import api_url_problem

    problem = api_url_problem(value) if value is not None else None
    if problem:
        source = ctx.get_parameter_source("api_url")
        given = "TRIALFINDER_API_URL=" if source == click.core.ParameterSource.ENVIRONMENT else ""
        raise click.BadParameter(f"{given}{value!r} is not usable: {problem}", ctx, param)
    return value


class SuggestingChoice(_TextChoice):
    """A choice whose error offers the nearest choice: `recruting` -> did you mean 'recruiting'?"""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            from trialfinder.hints import closest_choice

            close = closest_choice(str(value), self.choices)
            if close is None:
                raise
            # (click's message ends with a full stop: the question is a sentence of its own)
            self.fail(f"{exc.message.rstrip('.')}. Did you mean {close!r}?", param, ctx)


def _choice(
    names: Iterable[str], any_: bool = True, case_sensitive: bool = False
) -> SuggestingChoice:
    return SuggestingChoice([*names, *(["any"] if any_ else [])], case_sensitive=case_sensitive)


@click.group(cls=TrialfinderGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--api-url",
    envvar="TRIALFINDER_API_URL",
    metavar="URL",
    callback=_api_url,
    help="Base URL of the ClinicalTrials.gov API v2 (env TRIALFINDER_API_URL).",
)
@click.option("--source", default="clinicaltrials.gov", show_default=True, hidden=True)
@click.option(
    "--templates",
    metavar="DIR",
    help="A folder of your own templates (e.g. summary.txt.j2) to use instead of the "
    "built-in wording (env TRIALFINDER_TEMPLATES).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor store answers in the HTTP cache (fresh for TRIALFINDER_CACHE_TTL "
    "seconds, default one hour), nor the results kept from earlier searches.",
)
@click.option(
    "--refresh",
    is_flag=True,
    help="Ask the API again instead of using cached answers, and work every trial out again "
    "instead of using kept results; store both.",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Log each request (method, URL, status, bytes, time) and each retry, and show "
    "full tracebacks.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="No count line and no hint after the results (for cron jobs); errors and "
    "warnings still print.",
)
@click.version_option(__version__, prog_name="trialfinder")
@click.pass_context
def cli(
    ctx: click.Context,
    api_url: str | None,
    source: str,
    templates: str | None,
    no_cache: bool,
    refresh: bool,
    debug: bool,
    quiet: bool,
) -> None:
    """Find clinical trials for refractory cancer on ClinicalTrials.gov.

    Global options may also come after the command: `trialfinder search myeloma --no-cache`.
    """
    _setup_logging(debug)
    ctx.obj = App(
        api_url=api_url,
        debug=debug,
        source=source,
        templates=templates,
        no_cache=no_cache,
        refresh=refresh,
        quiet=quiet,
    )


_profile_option = click.option(
    "--profile",
    "profile_path",
    type=_PathArgument(dir_okay=False),
    metavar="FILE",
    help="A patient's profile (TOML, see `trialfinder profile new`): prescreen each trial "
    "against it.",
)


def _fits(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """--fit possible,check (or repeated): known verdicts, with a did-you-mean."""
    from trialfinder.hints import closest_choice

    chosen: list[str] = []
    for value in values:
        for word in filter(None, (w.strip().lower() for w in value.split(","))):
            if word not in FITS:
                close = closest_choice(word, FITS)
                advice = f"did you mean {close!r}?" if close else f"choose from {', '.join(FITS)}"
                raise click.BadParameter(f"{word!r} is not a verdict; {advice}", ctx, param)
            chosen.append(word)
    return tuple(f for f in FITS if f in chosen)


@cli.command(short_help="Search for trials (cancer treated before, by default).")
@click.argument("condition", nargs=-1)
@click.option(
    "--setting",
    "settings",
    multiple=True,
    type=_choice(SETTINGS),
    help="Disease setting, repeatable (any of them): searched for by its words, then "
    "confirmed in each trial's record; 'any' for no restriction [default: "
    f"{', '.join(DEFAULT_SETTINGS[:-1])} or {DEFAULT_SETTINGS[-1]}: disease treated before].",
)
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=_choice(STATUSES),
    metavar="STATUS",
    help=f"Overall status: {', '.join(STATUSES)} or any (no filter); repeatable "
    "[default: recruiting, not-yet-recruiting].",
)
@click.option(
    "--phase",
    "phases",
    multiple=True,
    type=_choice(PHASES, any_=False, case_sensitive=True),
    help="Phase (early1, 1, 2, 3, 4); repeatable.",
)
@click.option("--age", type=click.IntRange(0, 120), help="The patient's age in years.")
@click.option("--sex", type=_choice(["female", "male"], any_=False), help="The patient's sex.")
@click.option("--intervention", metavar="TEXT", help="A treatment name, e.g. 'pembrolizumab'.")
@click.option(
    "--category",
    "categories",
    multiple=True,
    type=_choice(CATEGORY_NAMES, any_=False),
    metavar="CATEGORY",
    help="Treatment approach, e.g. car-t or immunotherapy; repeatable (any of them); "
    "see `trialfinder categories`.",
)
@click.option(
    "--biomarker",
    "biomarkers",
    multiple=True,
    metavar="NAME",
    help="A biomarker the trial selects for, e.g. KRAS, 'KRAS G12C', HER2, MSI-H; repeatable.",
)
@click.option("--updated-since", type=DateType(), help="Only trials updated on or after DATE.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    help=f"Most trials to show; 0 for all [default: {TERMINAL_LIMIT} on a terminal, else all].",
)
@click.option(
    "--near",
    metavar="PLACE",
    help="Only trials with a site near PLACE that may enrol (one the record calls closed does "
    "not count): a US ZIP code (02115), 'City, ST' (Houston, TX) or lat,lon (29.76,-95.37). "
    "Adds each trial's nearest site that may enrol.",
)
@click.option(
    "--within",
    metavar="DISTANCE",
    help=f"How far from --near, e.g. 50mi or 80km (plain numbers are miles; 1 to 500 miles) "
    f"[default: {DEFAULT_WITHIN}].",
)
@click.option(
    "--sort",
    type=_choice(SORTS, any_=False),
    help="Order of the results: distance (nearest site first; the default with --near), "
    "relevance, updated (last updated first) or newest (first posted first) "
    "[default: distance with --near, else the registry's order]. Sorting by distance fetches "
    "every trial within the distance, sorts them, then shows the first --limit.",
)
@click.option(
    "--format",
    "fmt",
    type=_choice(FORMATS, any_=False, case_sensitive=True),
    help="Output format; xlsx: an Excel workbook [default: from the -o file name (.csv, .xlsx, "
    ".json, .ndjson, .jsonl), else table].",
)
@click.option(
    "-o",
    "--output",
    type=_PathArgument(dir_okay=False, writable=True),
    help="Write to FILE instead of standard output.",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV for Excel: start with a UTF-8 byte-order mark (implies --format csv).",
)
@click.option(
    "--ids-file",
    type=_PathArgument(exists=True, dir_okay=False),
    metavar="FILE",
    help="Fetch exactly the trials in FILE: one NCT id per line, or a previous shortlist "
    "(CSV or .xlsx). "
    "Status, setting and cancer filters then apply only when given.",
)
@click.option(
    "--compare",
    "compare_with",
    type=_PathArgument(exists=True, dir_okay=False),
    metavar="OLD",
    help="Add a first 'change' column against a previous shortlist (CSV or .xlsx): new, "
    "updated, unchanged, dropped; your own columns in OLD are carried forward "
    "(implies --format csv unless -o names an .xlsx).",
)
@_profile_option
@click.option(
    "--fit",
    "fits",
    multiple=True,
    callback=_fits,
    metavar="VERDICTS",
    help="With --profile, show only these verdicts, e.g. --fit possible,check "
    f"({', '.join(FITS)}; the others are counted on standard error).",
)
@click.pass_obj
def search(
    app: App,
    condition: tuple[str, ...],
    settings: tuple[str, ...],
    statuses: tuple[str, ...],
    phases: tuple[str, ...],
    age: int | None,
    sex: str | None,
    intervention: str | None,
    categories: tuple[str, ...],
    biomarkers: tuple[str, ...],
    updated_since: dt.date | None,
    limit: int | None,
    near: str | None,
    within: str | None,
    sort: str | None,
    fmt: str | None,
    output: Path | None,
    excel: bool,
    ids_file: Path | None,
    compare_with: Path | None,
    profile_path: Path | None,
    fits: tuple[str, ...],
) -> None:
    """Search for trials, e.g. `trialfinder search "multiple myeloma"`.

    With no CONDITION, all cancers are searched. With --near, only trials with a site within
    --within of the place that may enrol are found, nearest first. The setting (by default,
    disease treated before), --category and --biomarker are checked on each trial found, with
    its tags. For a shortlist (CSV, or an Excel workbook with -o FILE.xlsx):
    `trialfinder search myeloma -o shortlist.csv`; a week later, the same search
    `trialfinder search myeloma --compare shortlist.csv -o new.csv` shows what is new, what
    changed and what left, with the columns you added carried forward.

    With --profile, each trial is prescreened against the patient's facts: possible trials
    come first, then those to check, those ruled out only until a wait since the last
    treatment passes (not-yet), then those excluded (see `trialfinder profile --help`).
    """
    from trialfinder.counting import counted
    from trialfinder.output import NEEDS, render
    from trialfinder.records import Counted
    from trialfinder.request import SearchOptions
    from trialfinder.resultstore import StoreSettings
    from trialfinder.search import SearchRun
    from trialfinder.shortlist import read_ids, read_shortlist, status_lookup
    from trialfinder.templating import check

    fmt = _output_format(fmt, output, excel=excel, compare=compare_with is not None)
    request = _request(
        SearchOptions(
            conditions=condition,
            settings=settings,
            statuses=statuses,
            phases=phases,
            age=age,
            sex=sex,
            intervention=intervention,
            categories=categories,
            biomarkers=biomarkers,
            updated_since=updated_since,
            near=near,
            within=within,
            sort=sort,
            limit=limit,
            ids=tuple(read_ids(ids_file)) if ids_file else (),
            profile=_load_profile(profile_path, app) if profile_path is not None else None,
            fits=fits,
            to_terminal=output is None and sys.stdout.isatty(),
            compare=compare_with is not None,
        )
    )
    if request.conditions_from_profile and not app.quiet:
        said = " or ".join(f'"{t}"' for t in request.criteria.conditions)
        _say(f"trialfinder: searching for {said}, the profile's diagnosis")
    previous = read_shortlist(compare_with) if compare_with else None
    check(["summary.txt.j2"], app.templates)  # template problems stop us before searching
    source = app.source()
    render_options: dict[str, Any] = {"bom": excel} if fmt == "csv" else {}
    if previous is not None:
        render_options["previous"] = previous
    finished = False
    run = SearchRun(
        source,
        request,
        NEEDS[fmt],
        templates=app.templates,
        workers=app.settings.workers,
        store=StoreSettings.from_settings(app.settings),
    )
    if previous is not None:
        # Why a trial left the results; one whose record could not be read has not.
        skipped = run.results.skipped
        render_options["lookup"] = status_lookup(source, lambda: (e.record_id for e in skipped))
    shown: list[str] = []  # the NCT id of the first trial written, for the hint
    with _progress(sys.stderr.isatty(), run, source) as progress:
        records = Counted(run.records())
        try:
            with _output(output, fmt, keep=lambda: records.count > 0) as out:
                if progress is not None and output is None and sys.stdout.isatty():
                    out = _BeforeFirstWrite(out, progress.stop)  # the bar never shares a line
                render(
                    fmt,
                    _noting_first(records, shown),
                    out,
                    show_distance=request.criteria.near is not None,
                    show_fit=request.profile is not None,
                    **render_options,
                )
            finished = True
        finally:
            run.close()  # the worker processes and the page on its way, however it ended
            if progress is not None:
                progress.stop()
            for line in run.report(finished, quiet=app.quiet):
                _say(f"trialfinder: {line}")
    if previous is not None and run.limit_reached and run.results.total != run.shown:
        _say(
            f"trialfinder: warning: --limit showed {counted(run.shown, 'trial')}, "
            "there may be more; "
            "trials beyond it are marked dropped"
        )
    if not app.quiet and sys.stderr.isatty():
        hint = next_step(click.get_current_context(), run, source, shown, near)
        if hint:
            _say(hint, dim=True)


# How the search command's options are named in messages about rules between them.
_OPTION_NAMES = {
    "within": "--within",
    "near": "--near PLACE",
    "sort": "--sort",
    "fits": "--fit",
    "profile": "--profile FILE",
}


def _request(options: SearchOptions) -> SearchRequest:
    """The search request of ``options``; a rule between options broken is a usage error, as
    click reports its own, and any other problem the library's error (the first one)."""
    from trialfinder.request import InvalidRequest, build_request

    try:
        return build_request(options, spell=lambda option: _OPTION_NAMES.get(option, option))
    except InvalidRequest as exc:
        first = exc.problems[0]
        if first.between_options:
            raise click.UsageError(first.message) from None
        raise


def _load_profile(path: Path, app: App) -> Profile:
    """The profile at ``path``; its warnings (names trialfinder does not know) on stderr."""
    from trialfinder.profile import load_profile

    profile = load_profile(path)
    for warning in profile.warnings:
        _say(f"trialfinder: warning: {warning}")
    return profile


def _noting_first(records: Iterable[dict[str, Any]], shown: list[str]) -> Iterator[dict[str, Any]]:
    """``records`` as they are, noting the NCT id of the first in ``shown``."""
    for record in records:
        if not shown:
            shown.append(record["nct_id"])
        yield record


def next_step(
    ctx: click.Context, run: SearchRun, source: Source, shown: list[str], near: str | None
) -> str:
    """One line naming the command to run next: `show` the first trial; when nothing matched,
    the condition spelled as the vocabulary knows it, or the search without its setting."""
    from trialfinder import hints
    from trialfinder.search import settings_words

    argv = ctx.meta.get("trialfinder.argv") or ["search"]
    if shown:
        command = ["show", shown[0], *(["--near", near] if near else [])]
        return f"next: {hints.command_line(command)}  (the first trial in full)"
    criteria = run.criteria
    if criteria.ids:
        return ""
    fixed = hints.spelling_suggestion(criteria.conditions)
    if fixed:
        words = " ".join(fixed)
        again = hints.replace_conditions(argv, "search", criteria.conditions, fixed)
        return f'nothing matched; did you mean "{words}"? {hints.command_line(again)}'
    if not criteria.settings:  # --setting any: there is no setting to do without
        return ""
    without = run.unconfirmed or _count_without_setting(source, run.fetch)
    if not without:
        return ""
    with_any = hints.command_line(hints.with_option(argv, "--setting", "any"))
    return (
        f"--setting any would show trials whose records do not say "
        f"{settings_words(criteria.settings)} ({without:,} found without it): {with_any}"
    )


def _count_without_setting(source: Source, criteria: SearchCriteria) -> int:
    """How many trials the registry finds for ``criteria`` without its settings (0 when the
    count cannot be had: the hint is left out, never an error)."""
    from dataclasses import replace

    try:
        results = source.search(replace(criteria, settings=("any",), limit=1, page_size=None))
        for _ in results:
            break
        return results.total or 0
    except TrialfinderError:
        return 0


class _BeforeFirstWrite:
    """A stream that calls ``before()`` once, just before its first write."""

    def __init__(self, stream: IO[str], before: Callable[[], None] | None) -> None:
        self._stream = stream
        self._before = before

    def write(self, text: str) -> int:
        if self._before is not None:
            before, self._before = self._before, None
            before()
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _output_format(fmt: str | None, output: Path | None, excel: bool, compare: bool) -> str:
    """The format to write: ``fmt``, else the one the -o file's extension names (an extension
    trialfinder does not write is a usage error), else CSV for --excel and --compare, else the
    table. Checks that the options given go together."""
    name, suffix = (output.name, output.suffix.lower()) if output else ("", "")
    if fmt is None:
        if suffix and suffix not in EXTENSIONS:
            *others, last = EXTENSIONS
            raise click.UsageError(
                f"-o {name}: trialfinder does not write {suffix} files; name it "
                f"{', '.join(others)} or {last}, or give --format {'|'.join(FORMATS)}"
            )
        fmt = EXTENSIONS.get(suffix) or ("csv" if excel or compare else "table")
    if excel and fmt != "csv":
        raise click.UsageError(f"--excel writes CSV; it cannot be used with --format {fmt}")
    if compare and fmt not in ("csv", "xlsx"):
        raise click.UsageError(
            f"--compare writes CSV or xlsx; it cannot be used with --format {fmt}"
        )
    if fmt in BINARY_FORMATS:
        if output is None and sys.stdout.isatty():
            raise click.UsageError(
                f"--format {fmt} writes a file, not text for a terminal: give -o FILE.{fmt}"
            )
        if suffix and suffix != f".{fmt}":
            raise click.UsageError(f"-o {name}: a workbook must be named .{fmt} to open")
    return fmt


@contextlib.contextmanager
def _output(path: Path | None, fmt: str, keep: Callable[[], bool]) -> Iterator[Any]:
    """Where the export goes: ``path``, replaced only once complete (see
    :mod:`trialfinder.outfile`), or standard output. On failure the error gets a note on
    what became of ``path``; ``keep()`` says whether there is anything worth keeping."""
    binary = fmt in BINARY_FORMATS
    if path is None:
        with _open_stdout(utf8=fmt == "csv", inert_text=fmt != "table", binary=binary) as out:
            yield out
        return
    from trialfinder.outfile import ReplacingFile

    export = ReplacingFile(path, keep=keep, binary=binary)
    try:
        with export as out:
            yield out
    except BaseException as exc:
        if export.partial is not None:
            add_note(exc, f"what was written so far is kept in {export.partial}")
        if export.replaced:
            add_note(exc, f"{path} was written in full")
        elif export.existed:
            add_note(exc, f"{path} was not changed")
        raise


@contextlib.contextmanager
def _open_stdout(
    utf8: bool = False, inert_text: bool = False, binary: bool = False
) -> Iterator[Any]:
    """Standard output; ``utf8``: UTF-8 whatever the locale, and no newline translation (CSV
    writes its own CRLF line ends). ``inert_text``: on a terminal, control characters are
    dropped from what is written (a table makes its own text inert, and styles it).
    ``binary``: its byte stream (a workbook through a pipe)."""
    from trialfinder.outfile import GuardedStream, Utf8Writer

    stdout = sys.stdout
    if binary:
        stdout.flush()
        out = GuardedStream(stdout.buffer, "standard output")
        yield out
        out.flush()
        return
    if utf8 and hasattr(stdout, "buffer"):
        stdout.flush()
        stdout = Utf8Writer(stdout.buffer)
    out = GuardedStream(stdout, "standard output")
    yield _InertStream(out) if inert_text and out.isatty() else out
    out.flush()


class _InertStream:
    """Writes ``inert`` text to a terminal: what a program would read from a file, shown safely."""

    def __init__(self, stream: GuardedStream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(inert(text))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _progress(enabled: bool, run: SearchRun, source: Source) -> Iterator[PageProgress | None]:
    """A transient progress bar on standard error (``None`` when ``enabled`` is false) that
    counts the trials ``run`` fetched and shows why ``source`` waits before retrying."""
    if not enabled:
        yield None
        return
    from trialfinder.progress import PageProgress

    results = run.results

    def poll() -> tuple[int, int | None]:
        return results.fetched, results.expected if results.total is not None else None

    with PageProgress(poll) as progress:
        if hasattr(source, "on_retry"):
            source.on_retry = progress.notice
        try:
            yield progress
        finally:
            if hasattr(source, "on_retry"):
                source.on_retry = None


_text_or_json = click.option(
    "--format",
    "fmt",
    type=_choice(["text", "json"], any_=False, case_sensitive=True),
    default="text",
    show_default=True,
    help="text for people, json for programs.",
)


@cli.command(short_help="Show one trial in full.")
@click.argument("nct_id", type=NctIdType())
@_text_or_json
@click.option(
    "--near",
    metavar="PLACE",
    help="List the sites nearest first from PLACE: a US ZIP code, 'City, ST' or lat,lon.",
)
@_profile_option
@click.pass_obj
def show(app: App, nct_id: str, fmt: str, near: str | None, profile_path: Path | None) -> None:
    """Show one trial in full, e.g. `trialfinder show NCT01234567 --near 02115`.

    The text leads with the plain-language summary, then, with --profile, the checklist of
    the trial's criteria against the patient's facts, then the details. It is wrapped to the
    terminal, 88 columns at most (in a file or a pipe, 88).
    """
    from trialfinder.geo import geocode
    from trialfinder.inert import json_text
    from trialfinder.output import text_width, trial_text
    from trialfinder.pipeline import ResultOptions, build_result, to_record
    from trialfinder.records import trial_details
    from trialfinder.templating import check

    profile = _load_profile(profile_path, app) if profile_path is not None else None
    options = ResultOptions(
        near=geocode(near) if near is not None else None,
        templates=app.templates,
        profile=profile,
    )
    check(["summary.txt.j2", "trial.txt.j2"], options.templates)
    trial = app.source().get(nct_id)
    result = build_result(trial, options)
    if fmt == "json":
        record = {**to_record(result), **trial_details(trial, near=options.near)}
        text = json_text(record, indent=2) + "\n"
    else:
        text = trial_text(
            trial,
            options.templates,
            near=options.near,
            tags=result.tags,
            summary=result.summary,
            fit=result.fit,
            profile_name=profile.name if profile else "",
            width=text_width(sys.stdout),
        )
    with _open_stdout() as out:
        out.write(text)


@cli.command(short_help="Explain a word used in trial summaries.")
@click.argument("term", nargs=-1)
@click.option("--list", "list_terms", is_flag=True, help="List every term the glossary explains.")
def explain(term: tuple[str, ...], list_terms: bool) -> None:
    """Print the plain definition of TERM, e.g. `trialfinder explain refractory`.

    Case, spaces and hyphens do not matter: `CAR-T`, `car t` and `CAR T` are the same.
    """
    from trialfinder import glossary

    if list_terms:
        for entry in glossary.terms():
            _echo_wrapped(f"{entry.name}: {entry.means}.")
        return
    if not term:
        raise click.UsageError("give a TERM to explain, or --list to see them all")
    entry = glossary.lookup(" ".join(term))
    _echo_wrapped(f"{entry.name}: {entry.means}.")


def _echo_wrapped(paragraph: str) -> None:
    """``paragraph`` wrapped to the terminal (its later lines indented); one line in a pipe."""
    import textwrap

    from trialfinder.output import text_width

    if not sys.stdout.isatty():
        click.echo(paragraph)
        return
    click.echo(textwrap.fill(paragraph, text_width(sys.stdout), subsequent_indent="  "))


@cli.command(short_help="List the treatment categories and what each means.")
@_text_or_json
def categories(fmt: str) -> None:
    """List the treatment categories trials are tagged with (for `search --category`)."""
    import json
    import textwrap

    from trialfinder.output import text_width
    from trialfinder.tagging import CATEGORIES

    if fmt == "json":
        items = [{"name": name, "explanation": text} for name, text in CATEGORIES.items()]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    width = max(len(name) for name in CATEGORIES) + 2
    for name, text in CATEGORIES.items():
        lines = textwrap.wrap(text, text_width(sys.stdout) - width) or [""]
        click.echo(name.ljust(width) + lines[0])
        for line in lines[1:]:
            click.echo(" " * width + line)


# -- profile ---------------------------------------------------------------------------------


@cli.group(short_help="A patient's facts, to prescreen trials against.")
def profile() -> None:
    """A profile is a small TOML file of the facts a patient or navigator knows: age, sex,
    diagnosis, setting, earlier treatments, test results, ECOG or Karnofsky score, brain
    metastases, pregnancy or breastfeeding. Every key is optional; a fact left out is unknown,
    and unknown never rules a trial out.

    \b
      trialfinder profile new me.toml            a commented example to edit
      trialfinder profile check me.toml          what trialfinder reads in it
      trialfinder search --profile me.toml       possible trials first
      trialfinder show NCT01234567 --profile me.toml   the trial's criteria, one by one
    """


@profile.command("new", short_help="Write a commented example profile.")
@click.argument("path", required=False, type=_PathArgument(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def profile_new(path: Path | None, force: bool) -> None:
    """Write a commented example profile to PATH (standard output without one), to edit and
    then check with `trialfinder profile check PATH`."""
    from trialfinder.profile import template

    text = template()
    if path is None:
        click.echo(text, nl=False)
        return
    _write_new(path, text, force)
    click.echo(inert(f"wrote {path}; edit it, then: trialfinder profile check {path}"))


@profile.command("check", short_help="Check a profile and show what is read in it.")
@click.argument("path", type=_PathArgument(dir_okay=False))
@click.pass_obj
def profile_check(app: App, path: Path) -> None:
    """Check the profile at PATH: every problem with its line (exit code 6), names
    trialfinder does not know as warnings, and each fact as the prescreen reads it."""
    from trialfinder.profile import describe

    profile = _load_profile(path, app)
    click.echo(inert(f"{path}: valid."))
    for line in describe(profile):
        click.echo(inert(f"  {line}"))


# -- digest ----------------------------------------------------------------------------------


def _digest_logging(quiet: bool, debug: bool) -> None:
    """Lines that read well in cron mail and the journal: time, level, message."""
    import logging

    handler = _log_handler(
        "%(asctime)s trialfinder %(levelname)s: %(message)s", "%Y-%m-%d %H:%M:%S"
    )
    root = logging.getLogger("trialfinder")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO)


def _load_digest_config(path: Path, app: App) -> DigestConfig:
    """The config; without a [digest] templates folder, --templates (or its variable) applies."""
    import dataclasses
    import pathlib

    from trialfinder.digest.config import load_config

    config = load_config(path)
    if config.templates is None and app.templates:
        config = dataclasses.replace(config, templates=pathlib.Path(app.templates))
    return config


_config_option = click.option(
    "--config",
    "config_path",
    required=True,
    envvar="TRIALFINDER_DIGEST_CONFIG",
    type=_PathArgument(dir_okay=False),
    help="The digest configuration file (TOML; env TRIALFINDER_DIGEST_CONFIG).",
)


@cli.group(short_help="Weekly email digests of new and changed trials.")
def digest() -> None:
    """Email digests of new and changed trials, for scheduled jobs (cron, a systemd timer).

    \b
    Getting started:
      trialfinder digest init digest.toml            a commented example configuration
      trialfinder digest check --config digest.toml  says precisely what is wrong, if anything
      trialfinder digest run --config digest.toml --dry-run   the messages as .eml files
      trialfinder digest run --config digest.toml --quiet     from cron: silent when all is well
      trialfinder digest status --config digest.toml          outbox, dead letters, last runs

    Each saved search ([[search]] in the file) sends each of its recipients one message per
    run with what changed since the last message that recipient received: new trials, status
    and phase changes, a site near the search's place that opened, the nearest open site that
    closed. `trialfinder digest run --help` says more, with the exit codes.
    """


DIGEST_EXAMPLE = "digest.example.toml.j2"


@digest.command("init", short_help="Write a commented example configuration file.")
@click.argument(
    "path",
    required=False,
    type=_PathArgument(dir_okay=False),
)
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def digest_init(path: Path | None, force: bool) -> None:
    """Write a commented example configuration to PATH (default: digest.toml in
    trialfinder's configuration folder), to edit and then check with `digest check`."""
    from trialfinder.templating import render

    if path is None:
        import pathlib

        from platformdirs import user_config_dir

        path = pathlib.Path(user_config_dir("trialfinder", appauthor=False)) / "digest.toml"
    text = render(DIGEST_EXAMPLE)
    _write_new(path, text, force, make_folder=True)
    click.echo(inert(f"wrote {path}; edit it, then: trialfinder digest check --config {path}"))


@digest.command("check", short_help="Validate a digest configuration file.")
@_config_option
@click.pass_obj
def digest_check(app: App, config_path: Path) -> None:
    """Check the configuration file and say precisely what is wrong (line and key)."""
    from trialfinder.counting import counted
    from trialfinder.digest.run import check_templates
    from trialfinder.digest.state import check_state_place

    config = _load_digest_config(config_path, app)
    check_templates(config)
    check_state_place(config.state.path)  # (a folder a run cannot use stops the check)
    smtp = config.smtp
    recipients = {r.lower() for s in config.searches for r in s.recipients}
    click.echo(
        inert(
            f"{config_path}: valid. "
            f"{counted(len(config.searches), 'saved search', 'saved searches')}, "
            f"{counted(len(recipients), 'recipient')}; "
            f"SMTP {smtp.host}:{smtp.port} ({smtp.security}); "
            f"state {config.state.path}"
        )
    )
    if smtp.username and not smtp.password():
        _say(
            f"note: {smtp.password_env} is not set here; the scheduled run needs it "
            "(the SMTP password)"
        )
    from trialfinder.digest.addresses import odd_domain, parse_mailbox

    recipients_written = [r for search in config.searches for r in search.recipients]
    for address in dict.fromkeys(recipients_written):
        if odd := odd_domain(parse_mailbox(address)):
            _say(f"note: the domain of {address} {odd}")
    everyone = [smtp.sender, *recipients_written]
    for address in dict.fromkeys(a for a in everyone if parse_mailbox(a).needs_smtputf8):
        _say(
            f"note: {address} has a non-ASCII name before the @: it is sent with SMTPUTF8, "
            f"which {smtp.host} must offer (else its messages are not delivered)"
        )


@digest.command("run", short_help="Run the saved searches and send the digests.")
@_config_option
@click.option(
    "--dry-run", is_flag=True, help="Write the messages as .eml files; send and store nothing."
)
@click.option(
    "--out",
    "out_dir",
    type=_PathArgument(file_okay=False),
    default="digest-preview",
    show_default=True,
    help="Folder for the .eml files of --dry-run.",
)
@click.option("-q", "--quiet", is_flag=True, help="Log only problems (silent when all went well).")
@click.pass_obj
def digest_run(app: App, config_path: Path, dry_run: bool, out_dir: Path, quiet: bool) -> None:
    """Run each saved search, compare with what each recipient was sent, email the changes.

    Each saved search sends each of its recipients one message per run (a recipient of two
    searches gets two, each with its own subject, so that one failing never holds back the
    other). A message groups the trials by their most important change: new; now recruiting;
    closed; nearest site closed ("The nearest site (Dana-Farber, 2 mi) closed; the nearest
    open site is now 39 mi away"); status or phase changed; a new site nearby (an open site
    within the search's distance of its place, only for a search with a place); updated; no
    longer matching. Every change of a trial has its own line.

    A recipient's state moves on only once the SMTP server accepted their message: a message
    that failed is tried again by a later run (waiting longer each time), and after
    [digest] max_tries it is set aside as a dead letter, its changes going in the next one.

    Exit codes: 0 all delivered; 3 a search failed; 6 the config or the state file is
    broken; 7 a message could not be delivered or waits for its next try (or another run
    holds the state). Changes that were not delivered are sent by a later run; see
    `digest status`.
    """
    from trialfinder.digest.run import run_digest

    out_given = click.get_current_context().get_parameter_source("out_dir")
    if not dry_run and out_given == click.core.ParameterSource.COMMANDLINE:
        # (without it the messages are sent: --out alone said nothing, and mail went out)
        raise click.UsageError("--out is the folder of a --dry-run's messages; add --dry-run")
    _digest_logging(quiet or app.quiet, app.debug)
    config = _load_digest_config(config_path, app)
    if dry_run:
        _make_folder(out_dir)  # (before any search runs)
    report = run_digest(config, app.source(), out_dir=out_dir if dry_run else None)
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@digest.command("status", short_help="Show the outbox, dead letters and last runs.")
@_config_option
@click.option(
    "--runs",
    "run_count",
    type=click.IntRange(0, 50),
    default=5,
    show_default=True,
    help="How many of the last runs to list.",
)
@click.pass_obj
def digest_status(app: App, config_path: Path, run_count: int) -> None:
    """What waits in the outbox, which recipients failed lately, the dead letters (messages
    set aside after too many failed tries) and the last runs. Reads the state, changes nothing.
    """
    from trialfinder.digest.state import DigestState, real_path
    from trialfinder.digest.status import status_lines

    config = _load_digest_config(config_path, app)
    path = real_path(config.state.path)
    if not path.exists():
        click.echo(f"state {path}: no run has been made yet")
        return
    with DigestState.open_readonly(path) as state:
        for line in status_lines(state, config, run_count):
            click.echo(line)


def main() -> None:
    cli.main(prog_name="trialfinder")


if __name__ == "__main__":  # pragma: no cover
    main()

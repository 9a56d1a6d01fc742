"""The ``jesse-dag`` command line (click).

Each command is a thin layer over a library function; errors are turned into one line that says what
is wrong and what to do, and into an exit code scripts can rely on (see :data:`EXIT_CODES`).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import click

from jesse_dag._progress import progress as progress_bar

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_NOT_FOUND, EXIT_BUSY, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_FAILED: "the run failed (an error in the backtest, training, import or a subprocess)",
    EXIT_USAGE: "usage error (bad option or argument; nothing was run)",
    EXIT_NOT_FOUND: "an input does not exist (file, strategy, stored market, model bundle)",
    EXIT_BUSY: "the store is locked by another process (retry when it is done)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}
_EXIT_HELP = "\b\nExit codes:\n" + "\n".join(f"  {code:<4}{text}" for code, text in EXIT_CODES.items())
OUTPUT_FLAGS = ("csv", "json", "logs", "equity-curve", "tradingview", "quantstats", "charts")
log = logging.getLogger("jesse_dag.cli")


class CliError(click.ClickException):
    """A failure with its exit code and a message that says what to do."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


def _classify(exc: BaseException) -> CliError:
    """Library exceptions -> exit codes (the message is the library's, which names the file/row/field)."""
    from jesse_dag.engine.exceptions import InvalidRoutes, RouteNotFound
    from jesse_dag.store import CandleNotFoundInDatabase, StoreLockedError

    text = str(exc) or type(exc).__name__
    notes = getattr(exc, "__notes__", None)  # e.g. which strategy, hook and bar raised it
    if isinstance(notes, list) and notes:
        text += "\n" + "\n".join(str(n) for n in notes)
    if isinstance(exc, StoreLockedError):
        return CliError(f"{text}\nAnother process holds the store; wait for it to finish, then retry.", EXIT_BUSY)
    if isinstance(exc, (FileNotFoundError, CandleNotFoundInDatabase, RouteNotFound)) or (
            isinstance(exc, InvalidRoutes) and "not found" in text):
        return CliError(text, EXIT_NOT_FOUND)
    return CliError(f"{type(exc).__name__}: {text}", EXIT_FAILED)


def _is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, also when a library turned it into its own error (DuckDB: "Query interrupted") or raised
    another error while unwinding from it."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return True
        if type(exc).__name__ == "InterruptException" or (
                type(exc) is RuntimeError and str(exc) == "Query interrupted"):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _interrupted() -> None:
    click.echo("interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def handled(fn: Callable) -> Callable:
    """Run a command body, turning exceptions into :class:`CliError` with their exit code."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            _interrupted()
        except Exception as exc:  # noqa: BLE001 - every failure becomes one clear line and an exit code
            if _is_interrupt(exc):
                _interrupted()
            if os.environ.get("JESSE_DAG_DEBUG"):
                raise
            raise _classify(exc) from exc

    return wrapper


class _Cli(click.Group):
    """The top-level group: Ctrl-C anywhere in a command exits 130, never click's "Aborted!" with 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            _interrupted()


def _progress_on(ctx: click.Context) -> bool:
    """The group's ``--progress/--no-progress``: a bar on a terminal, plain lines on stderr in logs."""
    return bool(ctx.find_root().obj.get("progress", True))


def _project(ctx: click.Context) -> Path:
    return ctx.find_root().obj["project_dir"]


def _strategy_dir(ctx: click.Context, strategy: str) -> Path:
    """``PROJECT/strategies/STRATEGY``; a name that is not one folder name (``../x``) is a usage error."""
    from jesse_dag.paths import path_inside

    try:
        return path_inside(_project(ctx) / "strategies", strategy, what="strategy name", where="STRATEGY argument")
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _db(ctx: click.Context, db: str | None) -> Path | str:
    from jesse_dag.store.location import is_store_uri

    raw = db or os.environ.get("JESSE_DAG_DB")
    if raw:  # a Parquet store's URI (file:// or s3://) is passed on as it is
        return raw if is_store_uri(raw) else Path(raw)
    from jesse_dag.project import ProjectFileError, load_storage

    try:
        storage = load_storage(_project(ctx) / "project.yaml")
    except ProjectFileError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if storage.kind != "duckdb":  # the project keeps its store under a URI (storage: in project.yaml)
        return storage.store(_project(ctx))
    return _project(ctx) / "storage" / "jesse_dag.duckdb"


def _date_ms(value: str, option: str) -> int:
    try:
        d = dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2025-05-20",
                                 param_hint=option) from None
    return int(d.timestamp() * 1000)


def _json_option(value: str | None, option: str) -> dict | None:
    if value is None:
        return None
    try:
        out = json.loads(value)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON ({exc.msg} at column {exc.colno}); write e.g. "
                                 "'{\"period\": 14}'", param_hint=option) from None
    if not isinstance(out, dict):
        raise click.BadParameter("must be a JSON object, e.g. '{\"period\": 14}'", param_hint=option)
    return out


# ── the group ─────────────────────────────────────────────────────────────────────────────────────────────


@click.group(cls=_Cli, epilog=_EXIT_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project-dir", type=click.Path(file_okay=False, path_type=Path), default=".", show_default="cwd",
              help="The project folder (strategies/, storage/, assets/, workspace.yaml).")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show progress of long work on stderr: a bar on a terminal, a plain line every 10 s otherwise.")
@click.version_option(package_name="jesse-dag", prog_name="jesse-dag")
@click.pass_context
def main(ctx: click.Context, project_dir: Path, progress: bool) -> None:
    """jesse-dag: research pipeline for Jesse-style strategies.

    Backtests on a numba minute engine with Jesse's results, ML gather/train/deploy, reports, and a
    Dagster asset graph over DuckDB. Run `jesse-dag COMMAND --help` for each command.
    """
    project_dir = project_dir.resolve()
    if not project_dir.is_dir():
        raise CliError(f"--project-dir {project_dir} does not exist; pass the folder that holds strategies/",
                       EXIT_NOT_FOUND)
    ctx.obj = {"project_dir": project_dir, "progress": progress}
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)


def _run_subprocess(cmd: list[str], cwd: Path, env: dict | None = None) -> int:
    try:
        return subprocess.call(cmd, cwd=cwd, env=env)
    except FileNotFoundError:
        raise CliError(f"cannot run {cmd[0]!r}: not found; install it into this environment "
                       f"(pip install {'dagster-dg-cli' if Path(cmd[0]).name == 'dg' else cmd[0]})", EXIT_NOT_FOUND)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


@main.command()
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Run the whole pipeline on built-in synthetic data and print where the results are.

    Runs `python -m assets.demo` in the project folder.
    """
    project = _project(ctx)
    if not (project / "assets" / "demo.py").is_file():
        raise CliError(f"no demo in {project}: assets/demo.py does not exist. Run `jesse-dag demo` from the "
                       "jesse-dag checkout, or pass --project-dir pointing at it.", EXIT_NOT_FOUND)
    code = _run_subprocess([sys.executable, "-m", "assets.demo"], project)
    if code:
        raise CliError(f"the demo failed (exit code {code}); see its output above", EXIT_FAILED)


@main.command()
@click.option("--port", "-p", default=3000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.pass_context
def ui(ctx: click.Context, port: int, host: str) -> None:
    """Open the Dagster UI on the project's asset graph (dg dev, DAGSTER_HOME=storage/dagster)."""
    project = _project(ctx)
    if not (project / "workspace.yaml").is_file():
        raise CliError(f"{project / 'workspace.yaml'} does not exist: run from the project folder or pass "
                       "--project-dir", EXIT_NOT_FOUND)
    home = project / "storage" / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    if (project / "assets" / "dagster.yaml").is_file() and not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text((project / "assets" / "dagster.yaml").read_text())
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dg = Path(sys.executable).with_name("dg")  # Dagster's project CLI; reads [tool.dg] in pyproject.toml
    cmd = [str(dg) if dg.exists() else "dg", "dev", "-h", host, "-p", str(port)]
    click.echo(f"DAGSTER_HOME={home}\n{' '.join(cmd)}", err=True)
    code = _run_subprocess(cmd, project, env)
    if code not in (0, EXIT_INTERRUPTED):
        raise CliError(f"dg dev exited with code {code}; see its output above", EXIT_FAILED)


# ── candles ──────────────────────────────────────────────────────────────────────────────────────────────


@main.command("import-candles")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--exchange", required=True, help="Exchange name the candles are stored under, e.g. Binance.")
@click.option("--symbol", required=True, help="Jesse's symbol, e.g. BTC-USDT.")
@click.option("--db", type=click.Path(dir_okay=False),
              help="DuckDB file, or a Parquet store's URI (file:///folder, s3://bucket/prefix) "
                   "[default: PROJECT/storage/jesse_dag.duckdb]")
@click.option("--on-conflict", type=click.Choice(["keep", "replace", "error"]), default="keep", show_default=True,
              help="A stored minute whose values differ: keep the stored one (and count it), replace it by the "
                   "file's (in the same transaction), or refuse the file (nothing written).")
@handled
@click.pass_context
def import_candles(ctx, files, exchange, symbol, db, on_conflict):
    """Store 1-minute candle FILES (CSV, Binance zip, Parquet, .npy) in the DuckDB store.

    Importing the same file twice changes nothing; a bad row is refused before anything is written.
    """
    from jesse_dag.store.importing import import_file

    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise CliError(f"no such file: {', '.join(missing)}", EXIT_NOT_FOUND)
    db_path = _db(ctx, db)
    with progress_bar(len(files), "import", _progress_on(ctx), unit="files") as bar:
        for f in files:
            r = import_file(f, exchange, symbol, db=db_path, on_conflict=on_conflict)
            bar.update(note=f"{f.name}")
            fate = f" ({r.rows_replaced} replaced)" if r.rows_replaced else ""
            click.echo(f"{f}: {r.rows_in} rows read, {r.rows_added} added, {r.rows_present} already stored, "
                       f"{r.rows_conflicting} conflicting{fate}, {len(r.gaps)} gaps -> {db_path}")


@main.command("download-candles")
@click.argument("symbol")
@click.option("--start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--end", required=True, help="Day after the last one, YYYY-MM-DD.")
@click.option("--exchange", default="Binance", show_default=True, help="Name to store the candles under.")
@click.option("--market", type=click.Choice(["spot", "futures"]), default="spot", show_default=True)
@click.option("--db", type=click.Path(dir_okay=False),
              help="DuckDB file, or a Parquet store's URI (file:///folder, s3://bucket/prefix) "
                   "[default: PROJECT/storage/jesse_dag.duckdb]")
@handled
@click.pass_context
def download_candles(ctx, symbol, start, end, exchange, market, db):
    """Download Binance's public 1m kline archives of SYMBOL (e.g. BTC-USDT) and store them.

    Checksums are verified; periods already stored are skipped, so an interrupted download resumes.
    """
    from jesse_dag.store.importing import import_binance_archive, period_days

    a, b = _date_ms(start, "--start"), _date_ms(end, "--end")
    if b <= a:
        raise click.BadParameter(f"--end {end} must be after --start {start}", param_hint="--end")
    if "-" not in symbol:
        raise click.BadParameter(f"{symbol!r} must look like BASE-QUOTE, e.g. BTC-USDT", param_hint="SYMBOL")
    db_path = _db(ctx, db)
    days = (b - a) // 86_400_000
    with progress_bar(days, f"download {symbol}", _progress_on(ctx), unit="days") as bar:
        r = import_binance_archive(exchange, symbol, start, end, market=market, db=db_path,
                                   progress=lambda period, status: bar.update(period_days(period),
                                                                              f"{period} {status}"))
    click.echo(f"{exchange} {symbol}: {r.rows_added} rows added, {r.rows_present} already stored, "
               f"{len(r.gaps)} gaps -> {db_path}")


# ── backtest and gather ──────────────────────────────────────────────────────────────────────────────────


def _market_options(fn):
    opts = [
        click.option("--candles", "candles_file", type=click.Path(dir_okay=False, path_type=Path),
                     help="A 1m candle file (CSV/zip/Parquet/.npy). Without --start the first --warmup-bars bars "
                          "are warm-up."),
        click.option("--market", help="A stored market EXCHANGE:SYMBOL, e.g. Binance:BTC-USDT (needs --start, --end)."),
        click.option("--timeframe", "-t", default="15m", show_default=True, help="The route's timeframe."),
        click.option("--start", help="First trading day, YYYY-MM-DD."),
        click.option("--end", help="Day after the last trading day, YYYY-MM-DD (excluded, as Jesse's finish_date)."),
        click.option("--warmup-bars", default=210, show_default=True, type=click.IntRange(0),
                     help="Warm-up bars of the route timeframe before the trading window."),
        click.option("--exchange", default="Sandbox", show_default=True, help="Exchange name for --candles."),
        click.option("--symbol", default="BTC-USDT", show_default=True, help="Symbol for --candles."),
        click.option("--data-route", multiple=True, help="Extra timeframe of the same market (repeatable)."),
        click.option("--balance", default=10_000.0, show_default=True, type=float),
        click.option("--fee", default=0.0, show_default=True, type=float, help="Fee rate, e.g. 0.0004."),
        click.option("--type", "market_type", type=click.Choice(["futures", "spot"]), default="futures",
                     show_default=True),
        click.option("--leverage", default=1.0, show_default=True, type=float),
        click.option("--leverage-mode", type=click.Choice(["cross", "isolated"]), default="cross", show_default=True),
        click.option("--hp", help="Hyperparameters as a JSON object, laid over the strategy's defaults "
                                  "(a name its hyperparameters() does not declare is refused)."),
        click.option("--db", type=click.Path(dir_okay=False), help="DuckDB file for --market."),
    ]
    for opt in reversed(opts):
        fn = opt(fn)
    return fn


def _backtest_inputs(ctx, strategy, candles_file, market, timeframe, start, end, warmup_bars, exchange, symbol,
                     data_route, balance, fee, market_type, leverage, leverage_mode, hp, db):
    """config, routes, data_routes, candles, warm-up candles and the strategy class, from the options."""
    import numpy as np

    from jesse_dag.candles.timeframes import TIMEFRAMES, timeframe_to_minutes
    from jesse_dag.engine.run import load_strategy_class

    if timeframe not in TIMEFRAMES:
        raise click.BadParameter(f"{timeframe!r} is not a timeframe; use one of {', '.join(TIMEFRAMES)}",
                                 param_hint="--timeframe")
    if (candles_file is None) == (market is None):
        raise click.UsageError("give exactly one candle source: --candles FILE or --market EXCHANGE:SYMBOL")
    hyper = _json_option(hp, "--hp")
    project = _project(ctx)
    try:
        cls = load_strategy_class(strategy, project)
    except Exception as exc:
        names = sorted(p.name for p in (project / "strategies").glob("*/__init__.py") for p in [p.parent])
        raise CliError(f"{exc}. Strategies in {project / 'strategies'}: {', '.join(names) or 'none'} "
                       "(pass --project-dir to use another project)", EXIT_NOT_FOUND) from None
    tf_ms = timeframe_to_minutes(timeframe) * 60_000
    if market is not None:
        from jesse_dag.store import get_candles

        if ":" not in market:
            raise click.BadParameter(f"{market!r} must be EXCHANGE:SYMBOL, e.g. Binance:BTC-USDT", param_hint="--market")
        if not (start and end):
            raise click.UsageError("--market needs --start and --end (YYYY-MM-DD)")
        exchange, symbol = market.split(":", 1)
        first_day, end_day = _date_ms(start, "--start"), _date_ms(end, "--end")
        if end_day <= first_day:
            raise click.BadParameter(f"--end {end} must be after --start {start} (--end is the day after the last "
                                     f"trading day, as Jesse's finish_date)", param_hint="--end")
        # get_candles excludes the finish day itself (Jesse's semantics), so the --end day goes in unchanged
        warm, trade = get_candles(exchange, symbol, timeframe, first_day, end_day,
                                  warmup_candles_num=warmup_bars, is_for_jesse=True, db=_db(ctx, db))
        warm = np.empty((0, 6)) if warm is None else warm
    else:
        from jesse_dag.candles.importers import read_candles_file

        if not candles_file.exists():
            raise CliError(f"no such candle file: {candles_file}", EXIT_NOT_FOUND)
        from jesse_dag.candles.validate import validate_candles

        rows, info = read_candles_file(candles_file)
        # the store's checks, so a file with prices <= 0 or a wrong timestamp unit is not backtested either
        validate_candles(rows, allow_gaps=True, name=str(candles_file), plausible=True,
                         row_label=lambda r: f"line {r + 1 + info.header_lines}")
        ts = rows[:, 0]
        # without --start the warm-up is the first --warmup-bars whole route candles (from the first bucket start)
        lo = _date_ms(start, "--start") if start else -(-int(ts[0]) // tf_ms) * tf_ms + warmup_bars * tf_ms
        hi = _date_ms(end, "--end") if end else ts[-1] + 60_000
        trade = rows[(ts >= lo) & (ts < hi)]
        warm = rows[(ts >= lo - warmup_bars * tf_ms) & (ts < lo)]
        if len(trade) == 0:
            raise CliError(f"{candles_file} has no candles between {start or 'its start'} and {end or 'its end'} "
                           f"(the file covers {_iso(ts[0])} .. {_iso(ts[-1])})", EXIT_NOT_FOUND)
    config = {"starting_balance": balance, "fee": fee, "type": market_type, "futures_leverage": leverage,
              "futures_leverage_mode": leverage_mode, "exchange": exchange, "warm_up_candles": warmup_bars}
    routes = [{"exchange": exchange, "strategy": cls, "symbol": symbol, "timeframe": timeframe}]
    data_routes = [{"exchange": exchange, "symbol": symbol, "timeframe": tf} for tf in data_route]
    key = f"{exchange}-{symbol}"
    candles = {key: {"exchange": exchange, "symbol": symbol, "candles": trade}}
    warmup = {key: {"exchange": exchange, "symbol": symbol, "candles": warm}} if len(warm) else None
    return config, routes, data_routes, candles, warmup, hyper


@contextlib.contextmanager
def _hp_errors():
    """An ``--hp`` naming a hyperparameter the strategy does not declare is a usage error (exit 2)."""
    from jesse_dag.engine.exceptions import InvalidHyperparameters

    try:
        yield
    except InvalidHyperparameters as exc:
        raise click.BadParameter(str(exc), param_hint="--hp") from None


def gather_mode(cls: type) -> type:
    """``cls`` with ``ml_mode = "gather"`` (a subclass with the same name, module and folder), whatever mode
    the class declares: ``jesse-dag gather`` records data points, it never trades on a deployed model."""
    if getattr(cls, "ml_mode", "gather") == "gather":
        return cls
    return type(cls.__name__, (cls,), {"ml_mode": "gather", "__module__": cls.__module__,
                                       "__qualname__": cls.__qualname__, "__doc__": cls.__doc__})


def _iso(ts_ms: float) -> str:
    return dt.datetime.fromtimestamp(ts_ms / 1000, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M")


@main.command()
@click.argument("strategy")
@_market_options
@click.option("--csv", "csv_", is_flag=True, help="Write the trades and metrics as CSV.")
@click.option("--json", "json_", is_flag=True, help="Write the trades and metrics as JSON.")
@click.option("--logs", is_flag=True, help="Write the order and trade log.")
@click.option("--equity-curve", is_flag=True, help="Write the daily balance as CSV.")
@click.option("--tradingview", is_flag=True, help="Write a Pine script that draws the trades.")
@click.option("--quantstats", is_flag=True, help="Write a QuantStats tearsheet (nothing is downloaded).")
@click.option("--charts", is_flag=True, help="Write the HTML backtest report.")
@click.option("--all-outputs", is_flag=True, help="All of the above.")
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where outputs go [default: PROJECT/storage].")
@click.option("--notify", is_flag=True, help="Post the summary (and the report) to $JESSE_DAG_WEBHOOK_URL.")
@click.option("--slow", "no_fast", is_flag=True, help="Sample the daily balance every minute (Jesse's non-fast mode).")
@handled
@click.pass_context
def backtest(ctx, strategy, csv_, json_, logs, equity_curve, tradingview, quantstats, charts, all_outputs, out_dir,
             notify, no_fast, **market_opts):
    """Backtest STRATEGY (strategies/STRATEGY/__init__.py) and write the requested outputs.

    \b
    Examples:
      jesse-dag backtest EmaCross --candles data/BTCUSDT_1m.csv -t 15m --fee 0.0004 --leverage 2 --charts
      jesse-dag backtest EmaCross --market Binance:BTC-USDT --start 2025-01-01 --end 2025-04-01 --all-outputs
    """
    from jesse_dag.engine import run_backtest
    from jesse_dag.reports._data import format_value
    from jesse_dag.reports.outputs import attach_outputs

    config, routes, data_routes, candles, warmup, hyper = _backtest_inputs(ctx, strategy, **market_opts)
    flags = {"generate_csv": csv_, "generate_json": json_, "generate_logs": logs, "generate_equity_curve": equity_curve,
             "generate_tradingview": tradingview, "generate_quantstats": quantstats, "generate_charts": charts}
    if all_outputs:
        flags = {k: True for k in flags}
    key = next(iter(candles))
    n = len(candles[key]["candles"])
    click.echo(f"backtest {strategy} on {key} {routes[0]['timeframe']}: {n:,} minutes "
               f"({_iso(candles[key]['candles'][0, 0])} .. {_iso(candles[key]['candles'][-1, 0])})", err=True)
    with _hp_errors():
        run = run_backtest(config, routes, data_routes, candles, warmup, hyperparameters=hyper, fast_mode=not no_fast,
                           generate_equity_curve=True, project_dir=str(_project(ctx)), merge_hyperparameters=True)
    result = run.result
    routes_named = [{**routes[0], "strategy": strategy}]
    attach_outputs(result, flags, candles=candles, routes=routes_named, strategies=run.strategies,
                   out_dir=out_dir or _project(ctx) / "storage")
    metrics = {k: v for k, v in (result["metrics"] or {}).items() if not isinstance(v, (list, dict))}
    click.echo(f"{strategy} {key} {routes[0]['timeframe']}")
    width = max((len(k) for k in metrics), default=0)
    for k, v in metrics.items():
        click.echo(f"  {k:<{width}}  {format_value(v)}")
    written = {k: result.get(k) for k in ("csv", "json", "logs", "equity_curve_csv", "tradingview", "quantstats",
                                          "charts") if result.get(k)}
    for k, v in written.items():
        click.echo(f"{k}: {v}")
    if notify:
        from jesse_dag.reports.notify import post_summary

        post_summary(f"Backtest {strategy} {key} {routes[0]['timeframe']}", metrics,
                     attachments=[v for k, v in written.items() if k in ("charts", "quantstats")])
        click.echo("summary posted", err=True)


@main.command()
@click.argument("strategy")
@_market_options
@click.option("--csv-path", type=click.Path(dir_okay=False), help="[default: strategies/STRATEGY/ml_data/STRATEGY_data.csv]")
@handled
@click.pass_context
def gather(ctx, strategy, csv_path, **market_opts):
    """Backtest STRATEGY in gather mode and write its labelled data points (Jesse's CSV + sidecar).

    The strategy runs with ml_mode = "gather" whatever its class declares; --hp values are laid over its
    hyperparameters() defaults.
    """
    from jesse_dag.ml.gather import gather_ml_data

    config, routes, data_routes, candles, warmup, hyper = _backtest_inputs(ctx, strategy, **market_opts)
    routes = [{**r, "strategy": gather_mode(r["strategy"])} for r in routes]
    target = Path(csv_path) if csv_path else _strategy_dir(ctx, strategy) / "ml_data" / f"{strategy}_data.csv"
    with _hp_errors():
        # the samples go to the store too, for `lineage`
        res = gather_ml_data(config, routes, data_routes, candles, warmup, csv_path=str(target), verbose=False,
                             db=_db(ctx, None), hyperparameters=hyper, progress=_progress_on(ctx))
    points = res["data_points"]
    counts: dict[str, int] = {}
    for p in points:
        counts[str(p["label"]["value"])] = counts.get(str(p["label"]["value"]), 0) + 1
    click.echo(f"{len(points)} data points, labels {counts} -> {target}")
    if not points:
        raise CliError(f"{strategy} recorded no labelled data points: does it call record_features and "
                       "record_label in gather mode?", EXIT_FAILED)


@main.command()
@click.argument("strategy")
@click.option("--data", "data_csv", type=click.Path(dir_okay=False, path_type=Path),
              help="[default: strategies/STRATEGY/ml_data/STRATEGY_data.csv]")
@click.option("--task", type=click.Choice(["binary", "multiclass", "regression"]), default="binary", show_default=True)
@click.option("--estimator", default="sklearn.linear_model.LogisticRegression", show_default=True,
              help="module.Class of an estimator class from sklearn, lightgbm or xgboost (nothing else is "
                   "imported: docs/security.md).")
@click.option("--params", help="Estimator parameters as a JSON object, e.g. '{\"C\": 0.5}'.")
@click.option("--test-ratio", default=0.2, show_default=True, type=click.FloatRange(0, 1, min_open=True, max_open=True))
@click.option("--n-splits", default=5, show_default=True, type=click.IntRange(2), help="Purged walk-forward folds.")
@click.option("--embargo", default="1h", show_default=True, help="Embargo after each test fold (seconds or a timeframe).")
@click.option("--importance", type=click.Choice(["auto", "exact", "fast"]), default="auto", show_default=True,
              help="Feature importance: exact (Jesse's, on every training sample), fast (on a time-stratified "
                   "subsample of 2,000), auto (exact up to 10,000 training samples, fast above).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="[default: the bundle folder's report.html]")
@handled
@click.pass_context
def train(ctx, strategy, data_csv, task, estimator, params, test_ratio, n_splits, embargo, importance, report_path):
    """Train a model on STRATEGY's gathered data, save a new bundle under models/ and write its report.

    The bundle is registered, not deployed: `jesse-dag models deploy STRATEGY VERSION` does that.
    """
    from jesse_dag.ml.csv_io import load_ml_data_csv
    from jesse_dag.ml.estimators import EstimatorRefused, make_estimator
    from jesse_dag.ml.training import train_model
    from jesse_dag.reports.ml_report import write_ml_report

    project = _project(ctx)
    sdir = _strategy_dir(ctx, strategy)
    if not (sdir / "__init__.py").is_file():
        raise CliError(f"strategy {strategy!r} not found: {sdir / '__init__.py'} does not exist", EXIT_NOT_FOUND)
    path = data_csv or sdir / "ml_data" / f"{strategy}_data.csv"
    if not path.is_file():
        raise CliError(f"no data points at {path}: run `jesse-dag gather {strategy} ...` first", EXIT_NOT_FOUND)
    try:  # only estimator classes from sklearn/lightgbm/xgboost: a name here is imported and called
        est = make_estimator(estimator, _json_option(params, "--params"), task=task)
    except EstimatorRefused as exc:
        raise click.BadParameter(str(exc), param_hint="--estimator") from None
    points = load_ml_data_csv(path)
    click.echo(f"training {type(est).__name__} on {len(points)} data points from {path}", err=True)
    from jesse_dag.ml.registry import ModelRegistry
    from jesse_dag.ml.bundle import save_bundle

    result = train_model(points, est, task=task, test_ratio=test_ratio, verbose=False, validation="purged",
                         n_splits=n_splits, embargo=embargo, n_jobs=1, importance=importance)
    bundle = save_bundle(result, sdir, points, est, lineage={"samples_csv": str(path)},
                         registry=ModelRegistry(project / "storage" / "ml_registry.json"))
    report = write_ml_report(result, report_path or Path(bundle["path"]) / "report.html",
                             title=f"{strategy} {bundle['version']}")
    scalars = {k: v for k, v in result["metrics"].items() if not isinstance(v, (list, dict))}
    click.echo("test: " + ", ".join(f"{k} {v:.4f}" for k, v in scalars.items() if isinstance(v, float)))
    from jesse_dag.ml.report import importance_method_text

    click.echo("importance: " + importance_method_text(result["importance_method"]))
    oos = result["validation"]["mean"]
    click.echo("out of sample (purged): " + ", ".join(f"{k} {v:.4f}" for k, v in oos.items()))
    click.echo(f"bundle {bundle['version']}: {bundle['path']}\nreport: {report}")


# ── reports ──────────────────────────────────────────────────────────────────────────────────────────────


@main.group()
def report() -> None:
    """Write an HTML report from saved JSON (a training report or two backtests)."""


def _read_json(path: Path) -> Any:
    if not path.is_file():
        raise CliError(f"no such file: {path}", EXIT_NOT_FOUND)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CliError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})", EXIT_USAGE) from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not valid JSON (not UTF-8 text, byte {exc.start})", EXIT_USAGE) from None


@report.command("ml")
@click.argument("report_json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--title", default="Model report", show_default=True)
@handled
def report_ml(report_json, output, title):
    """REPORT_JSON: a train_model result saved as JSON (the pipeline's evaluation_*_data.json)."""
    from jesse_dag.reports.ml_report import write_ml_report

    data = _read_json(report_json)
    if not isinstance(data, dict) or "metrics" not in data:
        raise CliError(f"{report_json} is not a training report (no 'metrics' key)", EXIT_USAGE)
    click.echo(write_ml_report(data, output, title=title))


@report.command("comparison")
@click.argument("baseline_json", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("deployed_json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--title", default="Baseline vs model", show_default=True)
@handled
def report_comparison(baseline_json, deployed_json, output, title):
    """Two backtests of one window as JSON: {mode, metrics, trades, equity: [[time_s, value]], model_version}."""
    from jesse_dag.reports.comparison import write_comparison_report

    a, b = _read_json(baseline_json), _read_json(deployed_json)
    for path, d in ((baseline_json, a), (deployed_json, b)):
        missing = [k for k in ("metrics", "trades", "equity") if not isinstance(d, dict) or k not in d]
        if missing:
            raise CliError(f"{path} lacks {missing}: expected {{mode, metrics, trades, equity, model_version}}",
                           EXIT_USAGE)
    click.echo(write_comparison_report(a, b, output, title=title))


# ── models and lineage ───────────────────────────────────────────────────────────────────────────────────


def _registry(ctx):
    from jesse_dag.ml.registry import ModelRegistry

    # the registry lives in the store; a registry JSON from before is imported once into an empty store
    return ModelRegistry(_db(ctx, None), legacy_json=_project(ctx) / "storage" / "ml_registry.json")


@main.group()
def models() -> None:
    """List, inspect and deploy trained model bundles."""


@models.command("list")
@click.argument("strategy", required=False)
@handled
@click.pass_context
def models_list(ctx, strategy):
    """Every registered bundle (of STRATEGY if given); * marks the deployed one."""
    from jesse_dag.store.ml import list_bundles

    reg = _registry(ctx)
    reg.entries(strategy)  # imports a registry JSON from before the store held it
    rows = list_bundles(reg.db, strategy, lock_timeout=reg.lock_timeout)
    if not rows:
        click.echo(f"no model bundles registered{' for ' + strategy if strategy else ''} in {reg.path}")
        return
    click.echo(f"  {'bundle':<28} {'task':<11} {'samples':>8}  {'data set':<14} estimator")
    for b in rows:
        data = (b["dataset_id"] or "?")[:12] + ("" if b["samples_stored"] else " -")
        click.echo(f"{'*' if b['deployed'] else ' '} {b['bundle_id']:<28} {b['task'] or '':<11} "
                   f"{'' if b['n_samples'] is None else b['n_samples']:>8}  {data:<14} {b['estimator'] or ''}")
    if any(not b["samples_stored"] for b in rows):
        click.echo("  (- : the training samples are not in the store, only in their CSV)")


def _bundle_dir(ctx, strategy: str, version: str | None) -> Path:
    sdir = _strategy_dir(ctx, strategy)
    if version is None:
        if not (sdir / "bundle.json").is_file():
            raise CliError(f"{strategy} has no deployed model ({sdir / 'bundle.json'} is absent); give a VERSION "
                           f"(see `jesse-dag models list {strategy}`)", EXIT_NOT_FOUND)
        return sdir
    d = sdir / "models" / version
    if Path(version).name != version or version in (".", ".."):
        raise CliError(f"VERSION {version!r} is not a bundle folder name (see `jesse-dag models list {strategy}`)",
                       EXIT_USAGE)
    if not (d / "bundle.json").is_file():
        have = sorted(p.name for p in (sdir / "models").glob("*/bundle.json") for p in [p.parent])
        raise CliError(f"no bundle {version} for {strategy}: {d / 'bundle.json'} is absent; versions: "
                       f"{', '.join(have) or 'none'}", EXIT_NOT_FOUND)
    return d


@models.command("inspect")
@click.argument("strategy")
@click.argument("version", required=False)
@handled
@click.pass_context
def models_inspect(ctx, strategy, version):
    """Print a bundle's manifest (default: the deployed one) and check its file hashes, against bundle.json
    and against the ones the registry recorded at training."""
    from jesse_dag.ml.bundle import check_registered_hashes, read_manifest, verify_bundle

    d = _bundle_dir(ctx, strategy, version)
    manifest = read_manifest(d)
    verify_bundle(d, manifest)
    check_registered_hashes(manifest, d, _registry(ctx))  # a deployed copy is found by its bundle id
    click.echo(json.dumps(manifest, indent=1, default=str))
    click.echo(f"{d}: files match their hashes", err=True)


@models.command("deploy")
@click.argument("strategy")
@click.argument("version")
@handled
@click.pass_context
def models_deploy(ctx, strategy, version):
    """Deploy bundle VERSION of STRATEGY into strategies/STRATEGY/ (atomically; hashes checked)."""
    from jesse_dag.ml.bundle import deploy_bundle

    d = _bundle_dir(ctx, strategy, version)
    target = deploy_bundle(d, registry=_registry(ctx))
    click.echo(f"deployed {strategy}/{version} -> {target}")


@main.command()
@click.argument("bundle", type=click.Path(path_type=Path))
@handled
@click.pass_context
def lineage(ctx, bundle):
    """Where BUNDLE (a bundle folder or STRATEGY/VERSION) came from: candles -> samples -> bundle."""
    from jesse_dag.ml.bundle import read_manifest
    from jesse_dag.ml.gather import read_lineage
    from jesse_dag.ml.training import ts_to_date
    from jesse_dag.store.ml import candle_blocks

    path = bundle if bundle.is_absolute() or bundle.exists() else _project(ctx) / "strategies" / bundle.parent / "models" / bundle.name
    if not (path / "bundle.json").is_file():
        raise CliError(f"{path / 'bundle.json'} does not exist: give a bundle folder or STRATEGY/VERSION "
                       "(see `jesse-dag models list`)", EXIT_NOT_FOUND)
    m = read_manifest(path)
    bundle_id = f"{m.get('strategy')}/{m.get('version')}" if m.get("strategy") else str(path.resolve())
    reg = _registry(ctx)
    try:
        lin = reg.lineage(bundle_id)
        registered = True
    except KeyError:  # a bundle folder the store does not know: say what its manifest records
        registered = False
        data, own = m.get("data", {}), m.get("lineage") or {}
        lin = {"candles": candle_blocks(own), "samples": {
            "dataset_id": data.get("fingerprint"), "count": data.get("n_samples"), "routes": data.get("routes"),
            "csv": own.get("samples_csv"), "stored": False}, "bundle": {"deployed": False}}
    samples, own = lin["samples"], m.get("lineage") or {}
    candles = lin["candles"]
    if not candles and samples.get("csv"):  # not in the store: the lineage file the gather wrote beside the CSV
        candles = candle_blocks(read_lineage(samples["csv"]) or {})

    def when(ms):
        return "?" if ms is None else ts_to_date(int(ms) // 1000)

    if candles:
        for i, c in enumerate(candles):
            click.echo(f"{'candles' if i == 0 else '':<10}{c['market']} {c['role']}: {c['rows']} rows "
                       f"{when(c['first_timestamp'])} .. {when(c['last_timestamp'])}, sha256 {c['sha256']}")
    else:
        click.echo(f"candles   {own.get('market') or ', '.join(samples.get('routes') or []) or 'unknown (not recorded)'}")
    for k in ("db_path", "candles_fingerprint", "trading_fingerprint"):
        if own.get(k):
            click.echo(f"          {k}: {own[k]}")
    click.echo("   |")
    click.echo(f"samples   {samples.get('count', '?')} points, data set {samples.get('dataset_id') or '?'}"
               f" ({'in the store' if samples.get('stored') else 'not in the store'})")
    if samples.get("routes"):
        click.echo(f"          routes: {', '.join(samples['routes'])}")
    if samples.get("csv") or own.get("samples_csv"):
        click.echo(f"          samples_csv: {samples.get('csv') or own.get('samples_csv')}")
    for k in ("samples_fingerprint", "pipeline"):
        if own.get(k):
            click.echo(f"          {k}: {own[k]}")
    w = m.get("training_window", {})
    click.echo(f"          train {w.get('train_start', '?')} .. {w.get('train_end', '?')}, "
               f"test {w.get('test_start', '?')} .. {w.get('test_end', '?')}")
    click.echo("   |")
    click.echo(f"bundle    {bundle_id}  ({m.get('task')}, {m.get('estimator', {}).get('class')})")
    click.echo(f"          {path.resolve()}")
    click.echo(f"          {'registered' if registered else 'not in the registry'}; "
               f"{'deployed' if lin['bundle'].get('deployed') else 'not deployed'}")


if __name__ == "__main__":  # pragma: no cover
    main()

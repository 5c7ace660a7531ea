"""CLI commands ``staff``, ``plan`` and ``simulate``: thin wrappers over
:mod:`contactcenter.staffing` and :mod:`contactcenter.simulation`.

Durations accept plain seconds or 20s/30m/4h. Every bad value is an InputError naming
the option, the value and what is allowed, printed as one ``error: ...`` line (exit 2).
Numbers are read as text and checked here so that a typo gets the same one-line error.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from contactcenter.cli.common import user_errors
from contactcenter.errors import FormatError, InputError
from contactcenter.staffing import (
    SL_DEFINITIONS,
    chat,
    chat_required_agents,
    gross_agents,
    queue_metrics,
    required_agents,
)
from contactcenter.units import parse_duration

FORMATS_STAFF = ("json", "table")
FORMATS_PLAN = ("csv", "json", "table", "xlsx")

# Options shared by staff, plan and simulate (one declaration, one help text).
ThresholdOpt = Annotated[
    str | None, typer.Option("--threshold", help="Answer threshold T (default 20s; chat 90s).")
]
TargetOpt = Annotated[str, typer.Option("--target", help="Target SL in (0, 1).")]
MaxOccupancyOpt = Annotated[
    str | None, typer.Option("--max-occupancy", help="Occupancy cap in (0, 1].")
]
ShrinkageOpt = Annotated[
    str, typer.Option("--shrinkage", help="Share of paid time off the queue, [0, 1).")
]
AsaTargetOpt = Annotated[str | None, typer.Option("--asa-target", help="Highest mean wait (ASA).")]
MaxAbandonOpt = Annotated[
    str | None, typer.Option("--max-abandon", help="Highest P(abandon), (0, 1].")
]
ConcurrencyOpt = Annotated[str, typer.Option("--concurrency", help="Chats an agent holds at once.")]
SlDefinitionOpt = Annotated[
    str, typer.Option("--sl-definition", help="offered (default), answered or virtual.")
]


# --------------------------------------------------------------------------- parsing
def _number(value: str, option: str, *, allowed: str = "a number") -> float:
    try:
        number = float(value)
    except ValueError:
        raise InputError(f"{option} must be {allowed}, got {value!r}") from None
    if math.isnan(number) or math.isinf(number):
        raise InputError(f"{option} must be {allowed}, got {value!r}")
    return number


def _whole(value: str, option: str, minimum: int) -> int:
    allowed = f"a whole number >= {minimum}"
    number = _number(value, option, allowed=allowed)
    if number != round(number) or number < minimum:
        raise InputError(f"{option} must be {allowed}, got {value}")
    return int(number)


def _positive_duration(value: str, option: str) -> float:
    seconds = parse_duration(value, field=option)
    if seconds <= 0:
        raise InputError(f"{option} must be a duration > 0, got {value!r}")
    return seconds


def _fraction(value: str | None, option: str, *, closed_top: bool) -> float | None:
    if value is None:
        return None
    interval = "(0, 1]" if closed_top else "(0, 1)"
    number = _number(value, option, allowed=f"a number in {interval}")
    if not (0 < number <= 1 if closed_top else 0 < number < 1):
        raise InputError(f"{option} must be in {interval}, got {value}")
    return number


def _shrinkage(value: str) -> float:
    number = _number(value, "--shrinkage", allowed="a number in [0, 1)")
    if not 0 <= number < 1:
        raise InputError(f"--shrinkage must be in [0, 1), got {value}")
    return number


def _choice(value: str, option: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise InputError(f"{option} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _aht_levels(value: str, concurrency: int) -> list[float]:
    levels = [_positive_duration(part.strip(), "--aht") for part in value.split(",")]
    if len(levels) not in (1, concurrency):
        raise InputError(
            f"--aht must give 1 or {concurrency} handle times (one per concurrency level), "
            f"got {value!r}"
        )
    return levels


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, inf/NaN to None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _print_table(title: str, rows: list[dict[str, Any]]) -> None:
    console = Console(file=sys.stdout, width=200)
    table = Table(title=title)
    if not rows:
        console.print(table)
        return
    for key in rows[0]:
        table.add_column(key, justify="right" if key not in ("queue", "interval_start") else "left")
    for row in rows:
        table.add_row(*(_fmt(v) for v in row.values()))
    console.print(table)


def _print_pairs(title: str, row: dict[str, Any]) -> None:
    console = Console(file=sys.stdout, width=120)
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in row.items():
        table.add_row(key, _fmt(value))
    console.print(table)


def _fmt(value: Any) -> str:
    value = _clean(value)
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


# --------------------------------------------------------------------------- staff
def _staff(
    *,
    calls: str,
    period: str,
    aht: str,
    threshold: str | None,
    target: str,
    patience: str | None,
    agents: str | None,
    max_occupancy: str | None,
    shrinkage: str,
    asa_target: str | None,
    max_abandon: str | None,
    concurrency: str,
    sl_definition: str,
    output_format: str,
) -> dict[str, Any]:
    n_calls = _number(calls, "--calls", allowed="a number >= 0")
    if n_calls < 0:
        raise InputError(f"--calls must be a number >= 0, got {calls}")
    period_s = _positive_duration(period, "--period")
    k = _whole(concurrency, "--concurrency", 1)
    levels = _aht_levels(aht, k)
    threshold_s = parse_duration(
        threshold if threshold is not None else ("90" if k > 1 else "20"), field="--threshold"
    )
    target_sl = _fraction(target, "--target", closed_top=False)
    patience_s = _positive_duration(patience, "--patience") if patience is not None else None
    cap = _fraction(max_occupancy, "--max-occupancy", closed_top=True)
    shrink = _shrinkage(shrinkage)
    asa_s = _positive_duration(asa_target, "--asa-target") if asa_target is not None else None
    ab_cap = _fraction(max_abandon, "--max-abandon", closed_top=True)
    definition = _choice(sl_definition, "--sl-definition", SL_DEFINITIONS)
    _choice(output_format, "--format", FORMATS_STAFF)
    n_agents = _whole(agents, "--agents", 1) if agents is not None else None

    lam = n_calls / period_s
    out: dict[str, Any] = {
        "model": "chat" if k > 1 else ("erlang_a" if patience_s is not None else "erlang_c"),
        "calls": n_calls,
        "period_s": period_s,
        "aht_s": levels[0] if len(levels) == 1 else levels,
        "threshold_s": threshold_s,
        "sl_definition": definition,
    }
    if k > 1:
        if n_agents is None:
            m = chat_required_agents(
                arrival_rate_per_s=lam,
                aht_s=levels,
                concurrency=k,
                patience_s=patience_s,
                threshold_s=threshold_s,
                target_sl=target_sl,
                max_asa_s=asa_s,
                max_abandon=ab_cap,
                max_occupancy=cap,
                sl_definition=definition,
            )
        else:
            m = chat(
                agents=n_agents,
                arrival_rate_per_s=lam,
                aht_s=levels,
                concurrency=k,
                patience_s=patience_s,
                threshold_s=threshold_s,
                sl_definition=definition,
            )
        values = m.as_dict()
        n_final = int(values["agents"])
        p_ab = float(values["p_abandon"])
        out.update(
            concurrency=k,
            load_erl=values["load_erl"],
            agents=n_final,
            gross_agents=int(gross_agents(agents=n_final, shrinkage=shrink)),
            service_level=values["service_level"],
            p_wait=values["p_wait"],
            asa_s=values["asa_s"],
            occupancy=values["occupancy"],
            mean_open_per_agent=values["mean_open_per_agent"],
        )
    else:
        load = lam * levels[0]
        if n_agents is None:
            req = required_agents(
                load_erl=load,
                aht_s=levels[0],
                threshold_s=threshold_s,
                target_sl=target_sl,
                patience_s=patience_s,
                max_asa_s=asa_s,
                max_abandon=ab_cap,
                max_occupancy=cap,
                sl_definition=definition,
            )
            n_final = int(req.agents)
            row = req.metrics.row()
        else:
            n_final = n_agents
            row = queue_metrics(
                agents=n_agents,
                load_erl=load,
                aht_s=levels[0],
                threshold_s=threshold_s,
                patience_s=patience_s,
                sl_definition=definition,
            ).row()
        p_ab = row["p_abandon"]
        out.update(
            load_erl=load,
            agents=n_final,
            gross_agents=int(gross_agents(agents=n_final, shrinkage=shrink)),
            service_level=row["service_level"],
            p_wait=row["p_wait"],
            asa_s=row["asa_s"],
            occupancy=row["occupancy"],
        )
        if n_final == 0:  # no calls: every ratio is undefined
            for key in ("service_level", "p_wait", "asa_s", "occupancy"):
                out[key] = None
    if patience_s is not None:
        out["patience_s"] = patience_s
        out["p_abandon"] = None if n_final == 0 else p_ab
    out["shrinkage"] = shrink
    if n_agents is None:
        out["target"] = target_sl
    return {key: _clean(value) for key, value in out.items()}


# --------------------------------------------------------------------------- plan
_PLAN_REQUIRED = ("interval_start", "queue", "calls", "aht_s")
_PLAN_TYPES = {
    "interval_start": "string",
    "queue": "string",
    "calls": "float64",
    "aht_s": "float64",
    "patience_s": "float64",
}


def _read_forecast(path: Path) -> Any:
    """The forecast as a pyarrow table (columns typed; empty numeric cells are null)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not path.exists():
        raise InputError(f"--forecast: file not found: {path}")
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [c for c in _PLAN_REQUIRED if c not in header]
    if missing:
        raise FormatError(
            str(path),
            1,
            f"missing columns {missing}; needed: {list(_PLAN_REQUIRED)} (optional: patience_s)",
        )
    types = {k: pa.type_for_alias(v) for k, v in _PLAN_TYPES.items() if k in header}
    try:
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=[c for c in header if c in types]
            ),
        )
    except pa.ArrowInvalid as exc:
        raise FormatError(str(path), None, str(exc).splitlines()[0]) from None


def _first_bad(mask: Any, path: Path, column: Any, reason: str) -> None:
    bad = np.flatnonzero(mask)
    if bad.size:
        i = int(bad[0])
        value = column[i]
        shown = "" if value is None or (isinstance(value, float) and math.isnan(value)) else value
        raise FormatError(str(path), i + 2, f"{reason}, got {_fmt_cell(shown)!r}")


def _fmt_cell(value: Any) -> str:
    if isinstance(value, float) and value == round(value):
        return str(int(value))
    return str(value)


def _plan_rows(
    *,
    path: Path,
    interval_s: float,
    threshold_s: float,
    target_sl: float | None,
    patience_s: float | None,
    cap: float | None,
    shrink: float,
    asa_s: float | None,
    ab_cap: float | None,
    k: int,
    definition: str,
) -> Any:
    """The plan as a pyarrow table: the forecast's columns plus the staffing columns."""
    import pyarrow as pa

    table = _read_forecast(path)
    n_rows = table.num_rows
    calls = table.column("calls").to_numpy(zero_copy_only=False).astype(np.float64)
    aht_raw = table.column("aht_s").to_numpy(zero_copy_only=False).astype(np.float64)
    calls_list = table.column("calls").to_pylist()
    _first_bad(~(calls >= 0), path, calls_list, "calls must be a number >= 0")
    _first_bad(
        (calls > 0) & ~(aht_raw > 0), path, table.column("aht_s").to_pylist(), "aht_s must be > 0"
    )
    aht = np.where(aht_raw > 0, aht_raw, 1.0)
    has_patience = "patience_s" in table.column_names
    patience = np.full(n_rows, np.nan if patience_s is None else patience_s)
    if has_patience:
        given = table.column("patience_s").to_numpy(zero_copy_only=False).astype(np.float64)
        _first_bad(
            ~np.isnan(given) & ~(given > 0),
            path,
            table.column("patience_s").to_pylist(),
            "patience_s must be > 0",
        )
        patience = np.where(np.isnan(given), patience, given)
    load = calls / interval_s * aht
    if k > 1:
        results = [
            chat_required_agents(
                arrival_rate_per_s=calls[i] / interval_s,
                aht_s=float(aht[i]),
                concurrency=k,
                patience_s=None if math.isnan(patience[i]) else float(patience[i]),
                threshold_s=threshold_s,
                target_sl=target_sl,
                max_asa_s=asa_s,
                max_abandon=ab_cap,
                max_occupancy=cap,
                sl_definition=definition,
            ).as_dict()
            for i in range(n_rows)
        ]
        agents = np.array([int(r["agents"]) for r in results], dtype=np.int64)
        metric = {
            key: np.array([float(r[key]) for r in results])
            for key in ("service_level", "p_wait", "asa_s", "occupancy", "p_abandon")
        }
        load = calls / interval_s * aht  # conversation-Erlangs
    else:
        req = required_agents(
            load_erl=load,
            aht_s=aht,
            threshold_s=threshold_s,
            target_sl=target_sl,
            patience_s=patience,
            max_asa_s=asa_s,
            max_abandon=ab_cap,
            max_occupancy=cap,
            sl_definition=definition,
        )
        agents = req.agents
        metric = {
            "service_level": req.metrics.service_level,
            "p_wait": req.metrics.p_wait,
            "asa_s": req.metrics.asa_s,
            "occupancy": req.metrics.occupancy,
            "p_abandon": req.metrics.p_abandon,
        }
    gross = gross_agents(agents=agents, shrinkage=shrink)
    columns: dict[str, Any] = {
        "interval_start": table.column("interval_start"),
        "queue": table.column("queue"),
        "calls": pa.array(calls),
        "aht_s": pa.array(aht_raw, mask=np.isnan(aht_raw)),
    }
    if has_patience or patience_s is not None:
        columns["patience_s"] = pa.array(patience, mask=np.isnan(patience))
    columns["load_erl"] = pa.array(load)
    columns["agents"] = pa.array(agents)
    columns["gross_agents"] = pa.array(gross)
    undefined = agents == 0  # nothing offered: every ratio is null
    for key, values in metric.items():
        values = np.asarray(values, dtype=np.float64)
        columns[key] = pa.array(values, mask=undefined | ~np.isfinite(values))
    return pa.table(columns)


def _write_plan(table: Any, fmt: str, output: Path | None) -> None:
    if fmt == "xlsx":
        if output is None:
            raise InputError("--format xlsx needs --output FILE.xlsx")
        import xlsxwriter

        workbook = xlsxwriter.Workbook(str(output))
        sheet = workbook.add_worksheet("plan")
        bold = workbook.add_format({"bold": True})
        for col, name in enumerate(table.column_names):
            sheet.write(0, col, name, bold)
            for r, value in enumerate(table.column(name).to_pylist(), start=1):
                if value is None:
                    sheet.write_blank(r, col, None)
                else:
                    sheet.write(r, col, value)
        workbook.close()
        return
    if fmt == "table":
        _print_table("staffing plan", table.to_pylist())
        return
    if fmt == "json":
        text = json.dumps([{k: _clean(v) for k, v in row.items()} for row in table.to_pylist()])
        text += "\n"
    else:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        buffer = io.BytesIO()
        header = ",".join(table.column_names) + "\n"  # plain names (pyarrow quotes them)
        try:  # unquoted, like the forecast; values with commas or quotes need quoting
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            pacsv.write_csv(table, buffer, write_options=options)
        except pa.ArrowInvalid:
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, write_options=pacsv.WriteOptions(include_header=False))
        text = header + buffer.getvalue().decode("utf-8")
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- simulate
def _read_plan(
    path: Path, queue: str | None, interval_s: float
) -> tuple[str, dt.datetime, Any, Any, Any]:
    """One queue's rows of a staffing plan: name, first instant, calls, AHT, agents."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not path.exists():
        raise InputError(f"--plan: file not found: {path}")
    needed = ("interval_start", "queue", "calls", "aht_s", "agents")
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    missing = [c for c in needed if c not in header]
    if missing:
        raise FormatError(str(path), 1, f"missing columns {missing}; needed: {list(needed)}")
    types = {
        "interval_start": pa.string(),
        "queue": pa.string(),
        "calls": pa.float64(),
        "aht_s": pa.float64(),
        "agents": pa.float64(),
    }
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(column_types=types, include_columns=list(needed)),
        )
    except pa.ArrowInvalid as exc:
        raise FormatError(str(path), None, str(exc).splitlines()[0]) from None
    queues = table.column("queue").to_pylist()
    names = sorted({q for q in queues if q is not None})
    if queue is None:
        if len(names) != 1:
            raise InputError(f"--plan has queues {names}; choose one with --queue")
        queue = names[0]
    elif queue not in names:
        raise InputError(f"--queue {queue!r} is not in the plan; it has {names}")
    lines = [i for i, q in enumerate(queues) if q == queue]
    starts = [table.column("interval_start")[i].as_py() for i in lines]
    instants = []
    for i, text in zip(lines, starts, strict=True):
        try:
            instants.append(_parse_start(text))
        except InputError:
            raise FormatError(
                str(path), i + 2, f"interval_start must be an ISO date-time, got {text!r}"
            ) from None
    for j in range(1, len(instants)):
        step = (instants[j] - instants[j - 1]).total_seconds()
        if step != interval_s:
            raise FormatError(
                str(path),
                lines[j] + 2,
                f"interval_start must follow the previous row by --interval "
                f"({interval_s:g} s), got {step:g} s",
            )
    calls = np.array([table.column("calls")[i].as_py() or 0.0 for i in lines])
    aht = np.array([table.column("aht_s")[i].as_py() or 0.0 for i in lines])
    agents = np.array([table.column("agents")[i].as_py() or 0.0 for i in lines])
    for name, values, ok in (
        ("calls", calls, calls >= 0),
        ("agents", agents, (agents >= 0) & (agents == np.round(agents))),
        ("aht_s", aht, (aht > 0) | (calls == 0)),
    ):
        bad = np.flatnonzero(~ok)
        if bad.size:
            raise FormatError(
                str(path), lines[int(bad[0])] + 2, f"bad {name}: {values[int(bad[0])]:g}"
            )
    aht = np.where(aht > 0, aht, float(np.mean(aht[aht > 0])) if (aht > 0).any() else 1.0)
    return queue, instants[0], calls, aht, agents


def _parse_start(value: str | None) -> dt.datetime:
    from contactcenter.simulation import DEFAULT_START

    if value is None:
        return DEFAULT_START
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--start must be an ISO date-time such as 2025-01-06T08:00Z, got {value!r}"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return start


def register(app: typer.Typer) -> None:
    """Add ``staff``, ``plan`` and ``simulate`` to ``app``."""

    @app.command("staff")
    @user_errors
    def staff(
        calls: Annotated[str, typer.Option("--calls", help="Contacts offered in --period.")],
        period: Annotated[str, typer.Option("--period", help="Length of the period (30m).")],
        aht: Annotated[
            str,
            typer.Option(
                "--aht",
                help="Average handle time (180, 3m); for chat one per concurrency level: 4m,5m,6m.",
            ),
        ],
        threshold: ThresholdOpt = None,
        target: TargetOpt = "0.8",
        patience: Annotated[
            str | None,
            typer.Option("--patience", help="Mean patience: use Erlang A (abandonment)."),
        ] = None,
        agents: Annotated[
            str | None, typer.Option("--agents", help="Evaluate this many agents.")
        ] = None,
        max_occupancy: MaxOccupancyOpt = None,
        shrinkage: ShrinkageOpt = "0",
        asa_target: AsaTargetOpt = None,
        max_abandon: MaxAbandonOpt = None,
        concurrency: ConcurrencyOpt = "1",
        sl_definition: SlDefinitionOpt = "offered",
        output_format: Annotated[str, typer.Option("--format", help="json or table.")] = "table",
    ) -> None:
        """Agents needed for a queue (or, with --agents, what that staffing delivers)."""
        result = _staff(
            calls=calls,
            period=period,
            aht=aht,
            threshold=threshold,
            target=target,
            patience=patience,
            agents=agents,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            asa_target=asa_target,
            max_abandon=max_abandon,
            concurrency=concurrency,
            sl_definition=sl_definition,
            output_format=output_format,
        )
        if output_format == "json":
            sys.stdout.write(json.dumps(result, indent=2) + "\n")
        else:
            _print_pairs(f"staffing ({result['model']})", result)

    @app.command("plan")
    @user_errors
    def plan(
        forecast: Annotated[
            Path,
            typer.Option(
                "--forecast",
                help="CSV with interval_start, queue, calls, aht_s (and optionally patience_s).",
            ),
        ],
        interval: Annotated[
            str, typer.Option("--interval", help="Interval length of the forecast rows.")
        ] = "30m",
        threshold: ThresholdOpt = None,
        target: TargetOpt = "0.8",
        patience: Annotated[
            str | None,
            typer.Option("--patience", help="Mean patience for rows without patience_s."),
        ] = None,
        max_occupancy: MaxOccupancyOpt = None,
        shrinkage: ShrinkageOpt = "0",
        asa_target: AsaTargetOpt = None,
        max_abandon: MaxAbandonOpt = None,
        concurrency: ConcurrencyOpt = "1",
        sl_definition: SlDefinitionOpt = "offered",
        output_format: Annotated[
            str, typer.Option("--format", help="csv, json, table or xlsx.")
        ] = "table",
        output: Annotated[
            Path | None, typer.Option("--output", help="Write here instead of stdout.")
        ] = None,
    ) -> None:
        """Agents per interval and queue for a forecast, with the predicted KPIs."""
        fmt = _choice(output_format, "--format", FORMATS_PLAN)
        k = _whole(concurrency, "--concurrency", 1)
        threshold_s = parse_duration(
            threshold if threshold is not None else ("90" if k > 1 else "20"),
            field="--threshold",
        )
        rows = _plan_rows(
            path=forecast,
            interval_s=_positive_duration(interval, "--interval"),
            threshold_s=threshold_s,
            target_sl=_fraction(target, "--target", closed_top=False),
            patience_s=_positive_duration(patience, "--patience") if patience is not None else None,
            cap=_fraction(max_occupancy, "--max-occupancy", closed_top=True),
            shrink=_shrinkage(shrinkage),
            asa_s=_positive_duration(asa_target, "--asa-target")
            if asa_target is not None
            else None,
            ab_cap=_fraction(max_abandon, "--max-abandon", closed_top=True),
            k=k,
            definition=_choice(sl_definition, "--sl-definition", SL_DEFINITIONS),
        )
        _write_plan(rows, fmt, output)

    @app.command("simulate")
    @user_errors
    def simulate_cmd(
        calls: Annotated[
            str | None, typer.Option("--calls", help="Expected contacts per period.")
        ] = None,
        period: Annotated[
            str | None, typer.Option("--period", help="Length of one period (30m).")
        ] = None,
        aht: Annotated[
            str | None, typer.Option("--aht", help="Average handle time (180, 3m).")
        ] = None,
        agents: Annotated[str | None, typer.Option("--agents", help="Agents on duty.")] = None,
        plan: Annotated[
            Path | None,
            typer.Option(
                "--plan",
                help="Simulate a staffing plan instead: CSV with interval_start, queue, "
                "calls, aht_s, agents (the output of `plan --format csv`).",
            ),
        ] = None,
        interval: Annotated[
            str, typer.Option("--interval", help="Interval length of the --plan rows.")
        ] = "30m",
        patience: Annotated[
            str | None, typer.Option("--patience", help="Mean (exponential) patience.")
        ] = None,
        threshold: ThresholdOpt = None,
        periods: Annotated[str, typer.Option("--periods", help="Periods to simulate.")] = "1",
        seed: Annotated[str, typer.Option("--seed", help="Random seed (same seed, same run).")] = (
            "0"
        ),
        service: Annotated[
            str, typer.Option("--service", help="Handle times: exponential or lognormal.")
        ] = "exponential",
        service_cv: Annotated[
            str, typer.Option("--service-cv", help="Coefficient of variation for lognormal.")
        ] = "1",
        concurrency: Annotated[
            str, typer.Option("--concurrency", help="Contacts an agent holds at once (chat).")
        ] = "1",
        start: Annotated[
            str | None,
            typer.Option("--start", help="First instant, ISO (default 2025-01-06T08:00Z)."),
        ] = None,
        queue: Annotated[
            str | None,
            typer.Option(
                "--queue",
                help="Queue name in the contacts (default simulated); with --plan, the "
                "plan's queue to simulate.",
            ),
        ] = None,
        output_format: Annotated[str, typer.Option("--format", help="json or table.")] = "json",
        output: Annotated[
            Path | None,
            typer.Option("--output", help="Write the canonical contacts to this Parquet file."),
        ] = None,
    ) -> None:
        """Simulate the queue and print its KPIs (optionally write canonical contacts)."""
        from contactcenter.simulation import simulate, summarize, to_contacts

        k = _whole(concurrency, "--concurrency", 1)
        patience_s = _positive_duration(patience, "--patience") if patience is not None else None
        threshold_s = parse_duration(
            threshold if threshold is not None else ("90" if k > 1 else "20"),
            field="--threshold",
        )
        seed_value = _whole(seed, "--seed", 0)
        kind = _choice(service, "--service", ("exponential", "lognormal"))
        cv = _number(service_cv, "--service-cv", allowed="a number > 0")
        if cv <= 0:
            raise InputError(f"--service-cv must be a number > 0, got {service_cv}")
        _choice(output_format, "--format", FORMATS_STAFF)
        common: dict[str, Any] = {
            "patience_s": patience_s,
            "service": "lognormal" if kind == "lognormal" else "exponential",
            "service_cv": cv,
            "seed": seed_value,
        }
        if plan is not None:
            given = [
                name
                for name, value in (
                    ("--calls", calls), ("--period", period), ("--aht", aht),
                    ("--agents", agents), ("--concurrency", None if k == 1 else concurrency),
                )
                if value is not None
            ]  # fmt: skip
            if given:
                raise InputError(
                    f"--plan takes calls, AHT and agents from the file; leave out {given[0]}"
                )
            interval_s = _positive_duration(interval, "--interval")
            name, plan_start, calls_arr, aht_arr, agents_arr = _read_plan(plan, queue, interval_s)
            first = _parse_start(start) if start is not None else plan_start
            result = simulate(
                calls_per_interval=calls_arr,
                interval_s=interval_s,
                agents_per_interval=agents_arr,
                aht_s=float(np.mean(aht_arr)),
                interval_aht_s=aht_arr,
                **common,
            )
            queue_name = name
        else:
            missing = [
                option
                for option, value in (
                    ("--calls", calls),
                    ("--period", period),
                    ("--aht", aht),
                    ("--agents", agents),
                )
                if value is None
            ]
            if missing:
                raise InputError(
                    f"{missing[0]} is required (or give --plan FILE): "
                    "--calls, --period, --aht and --agents describe the queue"
                )
            assert calls is not None
            assert period is not None
            assert aht is not None
            assert agents is not None
            n_calls = _number(calls, "--calls", allowed="a number >= 0")
            if n_calls < 0:
                raise InputError(f"--calls must be a number >= 0, got {calls}")
            period_s = _positive_duration(period, "--period")
            levels = _aht_levels(aht, k)
            n_agents = _whole(agents, "--agents", 1)
            n_periods = _whole(periods, "--periods", 1)
            first = _parse_start(start)
            result = simulate(
                calls_per_interval=np.full(n_periods, n_calls),
                interval_s=period_s,
                agents_per_interval=n_agents,
                aht_s=levels,
                concurrency=k,
                **common,
            )
            queue_name = queue or "simulated"
        summary = summarize(result, threshold_s=threshold_s)
        summary["seed"] = seed_value
        summary["start"] = first.isoformat()
        if output is not None:
            import pyarrow.parquet as pq

            table = to_contacts(
                result, start=first, queue=queue_name, channel="chat" if k > 1 else "voice"
            )
            pq.write_table(table, str(output))
            summary["output"] = str(output)
        cleaned = {key: _clean(value) for key, value in summary.items()}
        if output_format == "json":
            sys.stdout.write(json.dumps(cleaned, indent=2) + "\n")
        else:
            _print_pairs("simulation", cleaned)

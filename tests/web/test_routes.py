"""Route by route: every answer of the web API is what the CLI gives for the same options
(the same bytes), and every error is JSON naming its field. A real server (uvicorn, in
its own process) answers; the CLI runs on a copy of the same store."""

from __future__ import annotations

import io
import json
import urllib.parse
from pathlib import Path

import openpyxl
import pytest

from tests.web.conftest import Served, cli, cli_error

CASES = [
    {},
    {"by": "day"},
    {"by": "queue,day", "threshold": "30s"},
    {"by": "queue,interval", "interval": "15m", "from": "2024-03-01", "to": "2024-03-02"},
    {"by": "agent", "metrics": "offered,answered,asa_s,aht_s", "short_abandon": "0"},
    {"by": "hour", "queue": "sales,=billing", "tz": "Europe/Vilnius", "target": "0.9"},
    {"by": "day,queue", "from": "1999-01-04 08:00", "to": "1999-01-05", "tz": "Asia/Jerusalem"},
    {"by": "month", "metrics": "all"},
]
"""Report options as the API names them (the CLI's flags without dashes)."""

FLAG = {"from": "--from", "to": "--to", "short_abandon": "--short-abandon"}


def cli_args(served: Served, options: dict[str, str]) -> list[str]:
    args = ["report", "--db", str(served.cli_db), "--config", str(served.config)]
    for key, value in options.items():
        args += [FLAG.get(key, f"--{key}"), value]
    return args


def query(options: dict[str, str]) -> str:
    return urllib.parse.urlencode(options)


@pytest.mark.parametrize("options", CASES, ids=lambda o: query(o) or "defaults")
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_report_is_what_the_cli_prints(served: Served, options: dict[str, str], fmt: str) -> None:
    answer = served.call(f"/api/v1/report?{query({**options, 'format': fmt})}")
    assert answer.status == 200, answer.body
    expected = cli([*cli_args(served, options), "--format", fmt])
    assert answer.body == expected
    assert answer.headers["content-type"].startswith(
        "application/json" if fmt == "json" else "text/csv"
    )
    if fmt == "json":  # and the report has rows: the comparison is not of two empties
        assert answer.json()["rows"] or options.get("from") == "2024-03-01"


@pytest.mark.parametrize("options", CASES[:4], ids=lambda o: query(o) or "defaults")
def test_report_xlsx_is_the_file_the_cli_writes(
    served: Served, options: dict[str, str], tmp_path: Path
) -> None:
    answer = served.call(f"/api/v1/report?{query({**options, 'format': 'xlsx'})}")
    assert answer.status == 200, answer.body
    out = tmp_path / "r.xlsx"
    cli([*cli_args(served, options), "--format", "xlsx", "--output", str(out)])
    assert answer.body == out.read_bytes()
    assert answer.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(answer.body))["report"]
    assert sheet.max_row >= 2  # a header and rows


def test_the_config_of_the_server_applies_to_every_report(served: Served) -> None:
    """sales has T = 30 s from the server's --config: its SL counts answers within 30 s."""
    answer = served.call("/api/v1/report?by=queue&metrics=service_level,offered")
    rows = {r["queue"]: r for r in answer.json()["rows"]}
    # hand count from QUEUE_LOG: sales calls are i % 3 != 0; i % 5 == 0 abandon after 30 s
    # (past S = 5 s, so offered); the others are answered after 5 + i s.
    sales = [i for i in range(40) if i % 3]
    within = [i for i in sales if i % 5 and 5 + i <= 30]
    assert rows["sales"]["offered"] == len(sales)
    assert rows["sales"]["service_level"] == pytest.approx(len(within) / len(sales))
    billing = [i for i in range(40) if i % 3 == 0]
    within_15 = [i for i in billing if i % 5 and 5 + i <= 15]
    assert rows["=billing"]["service_level"] == pytest.approx(len(within_15) / len(billing))


BAD_REPORTS = [
    ({"by": "colour"}, 400, "by"),
    ({"interval": "7m"}, 400, "interval"),
    ({"threshold": "soon"}, 400, "threshold"),
    ({"short_abandon": "-1"}, 400, "short_abandon"),
    ({"target": "2"}, 400, "target"),
    ({"from": "yesterday"}, 400, "from"),
    ({"to": "2024-13-01"}, 400, "to"),
    ({"tz": "Mars/Olympus"}, 400, "tz"),
    ({"metrics": "happiness"}, 400, "metrics"),
    ({"format": "html"}, 422, "format"),
    ({"thresold": "20"}, 400, "thresold"),
]


@pytest.mark.parametrize(("options", "status", "field"), BAD_REPORTS)
def test_a_bad_report_option_is_json_naming_its_parameter(
    served: Served, options: dict[str, str], status: int, field: str
) -> None:
    answer = served.call(f"/api/v1/report?{query(options)}")
    assert answer.status == status
    error = answer.json()
    assert error["field"] == field
    assert error["detail"].startswith(field) or f" {field} " in error["detail"]
    assert "\n" not in error["detail"]


@pytest.mark.parametrize("key", ["by", "threshold", "from", "tz", "metrics"])
def test_the_api_says_what_the_cli_says_about_a_bad_value(served: Served, key: str) -> None:
    """The same message, with the parameter's name where the CLI names its flag."""
    value = {"by": "colour", "threshold": "soon", "from": "x", "tz": "Nowhere/X"}.get(
        key, "happiness"
    )
    answer = served.call(f"/api/v1/report?{query({key: value})}")
    line = cli_error([*cli_args(served, {key: value}), "--format", "json"])
    flag = FLAG.get(key, f"--{key}")
    assert line == "error: " + answer.json()["detail"].replace(key, flag, 1)


def test_a_parameter_given_twice_is_refused(served: Served) -> None:
    answer = served.call("/api/v1/report?by=day&by=queue")
    assert (answer.status, answer.json()["field"]) == (400, "by")


def test_metrics_is_the_catalog_the_cli_lists(served: Served) -> None:
    answer = served.call("/api/v1/metrics")
    assert answer.status == 200
    assert answer.body == cli(["metrics", "--format", "json"])
    assert {"service_level", "asa_s", "abandon_rate"} <= {m["name"] for m in answer.json()}


STAFF = [
    {"calls": 100, "period": "30m", "aht": "3m", "max_occupancy": 0.85, "shrinkage": 0.3},
    {"calls": "100", "period": 1800, "aht": 180, "patience": "5m", "agents": 14},
    {"calls": 40, "period": "30m", "aht": ["4m", "5m", "6m"], "concurrency": 3},
    {"calls": 250, "period": "1h", "aht": 300, "asa_target": 15, "max_abandon": 0.05,
     "patience": 120, "sl_definition": "answered", "threshold": "30s", "target": 0.9},
]  # fmt: skip


def staff_flags(options: dict[str, object]) -> list[str]:
    args = ["staff"]
    for key, value in options.items():
        text = ",".join(value) if isinstance(value, list) else str(value)
        args += ["--" + key.replace("_", "-"), text]
    return args


@pytest.mark.parametrize("options", STAFF)
def test_staff_is_what_the_cli_prints(served: Served, options: dict[str, object]) -> None:
    answer = served.call("/api/v1/staff", method="POST", body=options)
    assert answer.status == 200, answer.body
    assert answer.body == cli([*staff_flags(options), "--format", "json"])


BAD_STAFF = [
    ({"calls": 100, "period": "30m", "aht": "3m", "shrinkage": 1.3}, 400, "shrinkage"),
    ({"calls": -1, "period": "30m", "aht": "3m"}, 400, "calls"),
    ({"calls": 1e9, "period": "30m", "aht": "3m"}, 400, "calls"),
    ({"calls": 100, "period": "0", "aht": "3m"}, 400, "period"),
    ({"calls": 100, "period": "30m", "aht": "3m", "target": 1}, 400, "target"),
    ({"calls": 100, "period": "30m", "aht": "3m", "concurrency": 0}, 400, "concurrency"),
    ({"period": "30m", "aht": "3m"}, 422, "calls"),
    ({"calls": True, "period": "30m", "aht": "3m"}, 422, "calls"),
    ({"calls": 100, "period": "30m", "aht": "3m", "agent": 4}, 422, "agent"),
    ({"calls": 100, "period": "30m", "aht": "3m", "sl_definition": "x"}, 422, "sl_definition"),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_STAFF)
def test_bad_staffing_options_are_json_naming_the_key(
    served: Served, body: dict[str, object], status: int, field: str
) -> None:
    answer = served.call("/api/v1/staff", method="POST", body=body)
    assert answer.status == status, answer.body
    assert answer.json()["field"] == field


@pytest.mark.parametrize("raw", [b"", b"{", b"[1, 2]", b'"calls"', b'{"calls": NaN}'])
def test_a_body_that_is_not_the_documented_object_is_422(served: Served, raw: bytes) -> None:
    answer = served.call("/api/v1/staff", method="POST", raw=raw)
    assert answer.status == 422, answer.body
    assert set(answer.json()) == {"detail", "field"}


def test_infinite_numbers_are_refused_as_the_cli_refuses_them(served: Served) -> None:
    raw = b'{"calls": Infinity, "period": "30m", "aht": "3m"}'
    answer = served.call("/api/v1/staff", method="POST", raw=raw)
    assert (answer.status, answer.json()["field"]) == (400, "calls")


FORECAST = [
    {"interval_start": "2025-01-06 08:00:00", "queue": "sales", "calls": 100, "aht_s": 180},
    {"interval_start": "2025-01-06 08:30:00", "queue": "sales", "calls": 0, "aht_s": None},
    {"interval_start": "2025-01-06 08:00:00", "queue": "support", "calls": 306, "aht_s": 265,
     "patience_s": 300},
]  # fmt: skip


def forecast_csv(path: Path, rows: list[dict[str, object]]) -> Path:
    cols = ["interval_start", "queue", "calls", "aht_s", "patience_s"]
    lines = [",".join(cols)]
    for row in rows:
        lines.append(",".join("" if row.get(c) is None else str(row[c]) for c in cols))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize(
    "options",
    [{}, {"shrinkage": 0.3, "max_occupancy": 0.85}, {"patience": "2m", "target": 0.9}],
)
def test_plan_is_what_the_cli_prints(
    served: Served, tmp_path: Path, fmt: str, options: dict[str, object]
) -> None:
    body = {"forecast": FORECAST, "interval": "30m", "format": fmt, **options}
    answer = served.call("/api/v1/plan", method="POST", body=body)
    assert answer.status == 200, answer.body
    args = ["plan", "--forecast", str(forecast_csv(tmp_path / "f.csv", FORECAST))]
    args += staff_flags(options)[1:]
    assert answer.body == cli([*args, "--format", fmt])
    if fmt == "json":
        assert [r["agents"] for r in answer.json()][1] == 0  # no calls, no agents


def test_a_bad_forecast_row_names_the_row(served: Served) -> None:
    rows = [{**FORECAST[0], "calls": -5}]
    answer = served.call("/api/v1/plan", method="POST", body={"forecast": rows})
    assert answer.status == 400
    assert answer.json()["field"] == "forecast"
    assert "row 1" in answer.json()["detail"]
    missing = served.call(
        "/api/v1/plan",
        method="POST",
        body={"forecast": [{"queue": "q", "calls": 1, "aht_s": 3}]},
    )
    assert (missing.status, missing.json()["field"]) == (422, "forecast.0.interval_start")


def test_the_schema_is_served_and_names_every_route(served: Served) -> None:
    schema = served.call("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/report",
        "/api/v1/metrics",
        "/api/v1/staff",
        "/api/v1/plan",
        "/api/v1/events",
        "/api/v1/tail",
        "/api/v1/tokens",
        "/api/v1/tokens/{token_id}",
        "/api/v1/live",
        "/api/v1/live/stream",
    }
    report = schema["paths"]["/api/v1/report"]["get"]
    assert [p["name"] for p in report["parameters"]] == [
        "by", "interval", "threshold", "short_abandon", "target", "from", "to", "queue",
        "agent", "tz", "metrics", "format",
    ]  # fmt: skip
    assert json.dumps(schema).count("cdn") == 0
    assert served.call("/docs").status == 404  # no page that loads scripts from a CDN

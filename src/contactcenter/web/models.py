"""The JSON the API takes and gives, as pydantic models: they validate request bodies and
document every body and answer in the OpenAPI schema (``/openapi.json``).

Bodies are strict: a key that is not listed, a boolean where a number goes, or a number
where text goes is refused (422) naming the key. Numbers and durations may be JSON
numbers or text (``"3m"``), as on the command line; their ranges are checked by the
application layer (400, naming the key), exactly as for the CLI's flags.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Num = int | float | str
"""A number as JSON number or text."""


class Error(BaseModel):
    """An error answer: what is wrong, and the parameter or body key it is about."""

    detail: str = Field(description="One line saying what is wrong and what is allowed.")
    field: str | None = Field(
        description="The query parameter or body key the error is about (a path such as "
        "forecast.0.calls inside a body), or null when it is about no single one."
    )


class ReportJson(BaseModel):
    """``contactcenter report --format json``: parameters, notes and one object per row."""

    parameters: dict[str, Any] = Field(
        description="by, interval_s, tz, from, to, queues, engine (docs/cli.md)."
    )
    notes: list[str]
    rows: list[dict[str, Any]] = Field(
        description="One object per group: the group keys, then the metrics by name."
    )


class MetricInfo(BaseModel):
    """One metric of the catalog (``contactcenter metrics --format json``)."""

    name: str
    fact: str
    kind: str
    unit: str
    formula: str
    description: str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class StaffingOptions(_Strict):
    """The options ``staff`` and ``plan`` share (docs/cli.md, staff / plan / simulate)."""

    threshold: Num | None = Field(None, description="Answer threshold T (20, '20s').")
    target: Num = Field(0.8, description="Service-level target in (0, 1).")
    patience: Num | None = Field(None, description="Mean patience: Erlang A.")
    max_occupancy: Num | None = Field(None, description="Occupancy cap in (0, 1].")
    shrinkage: Num = Field(0, description="Share of paid time off the queue, [0, 0.99].")
    asa_target: Num | None = Field(None, description="Highest mean wait (ASA).")
    max_abandon: Num | None = Field(None, description="Highest P(abandon), (0, 1].")
    concurrency: Num = Field(1, description="Contacts an agent holds at once (chat > 1).")
    sl_definition: Literal["offered", "answered", "virtual"] = "offered"


class StaffRequest(StaffingOptions):
    """``POST /api/v1/staff``: the options of ``contactcenter staff``."""

    calls: Num = Field(description="Contacts offered in the period.")
    period: Num = Field(description="Length of the period (1800, '30m').")
    aht: Num | list[Num] = Field(
        description="Average handle time; for chat one per concurrency level."
    )
    agents: Num | None = Field(None, description="Evaluate this many agents.")


class StaffAnswer(BaseModel):
    """``contactcenter staff --format json`` (keys by model, docs/cli.md)."""

    model: str
    calls: float
    period_s: float
    aht_s: float | list[float]
    threshold_s: float
    sl_definition: str
    concurrency: int | None = None
    load_erl: float
    agents: int
    gross_agents: int
    service_level: float | None
    p_wait: float | None
    asa_s: float | None
    occupancy: float | None
    mean_open_per_agent: float | None = None
    patience_s: float | None = None
    p_abandon: float | None = None
    shrinkage: float
    target: float | None = None


class ForecastRow(_Strict):
    """One row of a forecast (the columns of the file ``contactcenter forecast`` writes)."""

    interval_start: str = Field(description="Start of the interval, 'YYYY-MM-DD HH:MM:SS'.")
    queue: str
    calls: int | float | None
    aht_s: int | float | None = None
    patience_s: int | float | None = None


class PlanRequest(StaffingOptions):
    """``POST /api/v1/plan``: the options of ``contactcenter plan``, with the forecast's
    rows in the body instead of a file."""

    forecast: list[ForecastRow] = Field(description="The forecast rows.")
    interval: Num = Field("30m", description="Length of one row's interval.")
    format: Literal["json", "csv"] = Field(
        "json", description="json (a list of rows) or csv, as `plan --format`."
    )


class PlanRow(BaseModel):
    """One row of a staffing plan (``contactcenter plan --format json``)."""

    interval_start: str | None
    queue: str | None
    calls: float | None
    aht_s: float | None
    patience_s: float | None = None
    load_erl: float | None
    agents: int | None
    gross_agents: int | None
    service_level: float | None
    p_wait: float | None
    asa_s: float | None
    occupancy: float | None
    p_abandon: float | None


class EventIn(_Strict):
    """One queue_log event: the fields of its line."""

    time: int = Field(description="Unix epoch seconds (UTC).")
    callid: str = Field(description="Asterisk's call id (NONE for agent events).")
    queue: str = Field(description="Queue name (NONE when none).")
    agent: str = Field(description="Member or agent (NONE when none).")
    event: str = Field(description="The verb: ENTERQUEUE, CONNECT, ABANDON, PAUSE, ...")
    data: list[str] = Field(default_factory=list, description="data1, data2, ... as text.")


class EventsRequest(_Strict):
    """``POST /api/v1/events`` as JSON: the events, in the order they happened."""

    events: list[EventIn]


class LoadAnswer(BaseModel):
    """A load's report: the JSON of ``contactcenter ingest --json`` (docs/cli.md)."""

    load_id: int
    format: str
    files: list[str]
    lines_read: int
    lines_used: int
    lines_ignored: int
    lines_rejected: int
    ignored_reasons: dict[str, int]
    rejected_reasons: dict[str, int]
    contacts_inserted: int
    contacts_updated: int
    agent_events_inserted: int
    tables: dict[str, dict[str, int]]
    notes: list[str]
    rejects_file: str | None


class TokenRequest(_Strict):
    """``POST /api/v1/tokens``: the options of ``contactcenter token create``."""

    role: Literal["admin", "supervisor", "agent"]
    queues: list[str] | None = Field(
        None, description="A supervisor's or agent's queues; absent or null: every queue."
    )
    agent: str | None = Field(None, description="The agent id of an agent token.")


class TokenInfo(BaseModel):
    """A token as ``token list --format json`` shows it: never the token itself."""

    id: str
    role: str
    queues: list[str] | None
    agent: str | None
    created_at: str | None
    revoked_at: str | None


class TokenCreated(TokenInfo):
    """A new token: its grant and, this once, the token."""

    token: str

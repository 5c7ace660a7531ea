"""Errors of the ingestion formats name the parameter they are about (its Python keyword),
never a command-line flag: the CLI shows the flag, an API caller the keyword."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.cli.common import error_line
from contactcenter.errors import InputError
from contactcenter.sources import IngestOptions, ingest
from contactcenter.store import Store
from tests.sources.conftest import write

QL = "1700000000|c1|sales|NONE|ENTERQUEUE||+1|1\n"
RT = "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"


@pytest.mark.parametrize(
    ("fmt", "text", "options", "field", "api", "cli"),
    [
        ("nope", QL, {}, "format", "format: unknown format 'nope'", "--format: unknown format"),
        ("queue_log", QL, {"source_tz": "UTC"}, "source_tz",
         "source_tz does not apply to format queue_log: its times are UTC epochs",
         "--source-tz does not apply to format queue_log"),
        ("contacts", "contact_id,offered_at,outcome\n", {"source_tz": "UTC"}, "source_tz",
         "source_tz does not apply to format contacts", "--source-tz does not apply"),
        ("queue_log_csv", RT, {"source_tz": "Mars/Olympus"}, "source_tz",
         "source_tz: unknown time zone 'Mars/Olympus'", "--source-tz: unknown time zone"),
        ("technion", "x\n", {"source_tz": "Nowhere"}, "source_tz",
         "source_tz: unknown time zone 'Nowhere'", "--source-tz: unknown time zone"),
        ("csv", "a\n", {}, "mapping", "format csv needs mapping FILE.yaml",
         "format csv needs --mapping FILE.yaml"),
        ("csv", "a\n", {"mapping": Path("/nonexistent/m.yaml")}, "mapping",
         "mapping: cannot read /nonexistent/m.yaml", "--mapping: cannot read"),
    ],
)  # fmt: skip
def test_errors_carry_the_field_and_no_flag(
    tmp_path: Path,
    fmt: str,
    text: str,
    options: dict[str, object],
    field: str,
    api: str,
    cli: str,
) -> None:
    path = write(tmp_path / "in.txt", text)
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(InputError) as err:
        ingest(store, fmt=fmt, files=[path], options=IngestOptions(**options))  # type: ignore[arg-type]
    assert err.value.field == field
    assert "--" not in str(err.value)
    assert str(err.value).startswith(api)
    assert error_line(err.value).startswith(cli)


def test_mapping_file_errors_name_the_mapping(tmp_path: Path) -> None:
    m = write(tmp_path / "m.yaml", "time_zone: Nowhere/Land\ncolumns: {contact_id: a}")
    with Store(tmp_path / "s.duckdb") as store, pytest.raises(InputError) as err:
        ingest(store, fmt="csv", files=[write(tmp_path / "e.csv", "a\n")],
               options=IngestOptions(mapping=m))  # fmt: skip
    assert err.value.field == "mapping"
    assert str(err.value).startswith(f"mapping {m}: columns: required fields missing")
    assert error_line(err.value).startswith(f"--mapping {m}: columns:")


def test_file_errors_name_the_files(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as store:
        with pytest.raises(InputError) as err:
            ingest(store, fmt="queue_log", files=[tmp_path / "nope"])
        assert err.value.field == "files"
        assert error_line(err.value) == f"FILE: {tmp_path / 'nope'} does not exist or is not a file"
        with pytest.raises(InputError) as err:
            ingest(store, fmt="queue_log", files=[])
        assert err.value.field == "files"
        assert "--" not in str(err.value)

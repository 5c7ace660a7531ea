"""The shift file: the issue's example, defaults, and errors that name file, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.errors import ConfigError
from contactcenter.scheduling import load_shifts

EXAMPLE = """\
interval: 15m
templates:
  - name: day8
    start: {earliest: "06:00", latest: "14:00", step: 15m}
    length: 8h30m         # from start to end; unpaid breaks lie inside it
    breaks:               # may be empty: []
      - {length: 30m, paid: false, earliest: 3h, latest: 5h}   # offsets from the shift start
    cost: 1.0
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shifts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_issue_example_parses(tmp_path: Path) -> None:
    config = load_shifts(write(tmp_path, EXAMPLE))
    assert config.interval_s == 900
    (t,) = config.templates
    assert t.name == "day8"
    assert (t.earliest_start_s, t.latest_start_s, t.step_s) == (6 * 3600, 14 * 3600, 900)
    assert len(t.start_offsets()) == 33
    assert t.length_s == 8.5 * 3600
    assert t.paid_s == 8 * 3600
    assert t.shift_cost == 1.0
    (b,) = t.breaks
    assert (b.length_s, b.paid, b.earliest_s, b.latest_s) == (1800, False, 3 * 3600, 5 * 3600)
    assert t.days == (0, 1, 2, 3, 4, 5, 6)
    assert config.penalty == 2.0


def test_defaults_and_unquoted_times(tmp_path: Path) -> None:
    text = """\
interval: 30m
uncovered_penalty: 50
templates:
  - name: early
    start: {earliest: 06:00, latest: 08:00}
    length: 4h
    breaks: []
    days: [Mon, tue, Friday]
    min_count: 1
    max_count: 3
"""
    config = load_shifts(write(tmp_path, text))
    (t,) = config.templates
    # YAML 1.1 would read 06:00 as the number 360; the base loader keeps it a time.
    assert t.earliest_start_s == 6 * 3600
    assert t.step_s == 1800
    assert t.days == (0, 1, 4)
    assert (t.min_count, t.max_count) == (1, 3)
    assert t.shift_cost == 4.0  # paid hours by default
    assert config.penalty == 50.0


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (
            ("cost: 1.0", "cost: 1.0\n    colour: red"),
            ["templates[0] (day8)", "'colour'", "allowed"],
        ),
        (("length: 30m, paid", "lenght: 30m, paid"), ["breaks[0]", "'lenght'", "length"]),
        (("interval: 15m", "interval: 15m\nshifts: []"), ["unknown key 'shifts'", "templates"]),
        (("step: 15m}", "step: 15m, every: 1}"), ["day8).start", "'every'"]),
        (("length: 8h30m ", "length: 25h "), ["day8).length", "longer than a day", "24h"]),
        (('"06:00"', '"06:10"'), ["start.earliest", "not on the 15m grid"]),
        (('"06:00"', '"25:00"'), ["start.earliest", "between 00:00 and 23:59"]),
        (('"14:00"', '"05:00"'), ["before earliest", "midnight"]),
        (("latest: 5h}", "latest: 8h30m}"), ["breaks[0]", "ends after the shift"]),
        (("earliest: 3h", "earliest: 10m"), ["breaks[0].earliest", "multiple of the interval"]),
        (("length: 8h30m ", "length: long "), ["day8).length", "cannot read 'long'"]),
        (("paid: false", "paid: maybe"), ["breaks[0].paid", "true or false"]),
        (("cost: 1.0", "cost: -1"), ["day8).cost", "number >= 0"]),
    ],
)
def test_errors_name_the_file_the_key_and_the_fix(
    tmp_path: Path, change: tuple[str, str], fragments: list[str]
) -> None:
    old, new = change
    assert old in EXAMPLE
    path = write(tmp_path, EXAMPLE.replace(old, new))
    with pytest.raises(ConfigError) as info:
        load_shifts(path)
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_breaks_must_be_takeable_in_order(tmp_path: Path) -> None:
    text = EXAMPLE.replace(
        "      - {length: 30m, paid: false, earliest: 3h, latest: 5h}",
        "      - {length: 30m, paid: false, earliest: 3h, latest: 5h}\n"
        "      - {length: 15m, paid: true, earliest: 1h, latest: 3h15m}",
    )
    with pytest.raises(ConfigError, match=r"breaks\[1\].*after the previous one ends"):
        load_shifts(write(tmp_path, text))


def test_missing_keys_duplicates_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing key 'interval'"):
        load_shifts(write(tmp_path, "templates: []\n"))
    with pytest.raises(ConfigError, match="at least one shift template"):
        load_shifts(write(tmp_path, "interval: 15m\ntemplates: []\n"))
    twice = EXAMPLE + EXAMPLE.split("templates:\n", 1)[1]
    with pytest.raises(ConfigError, match="repeated: \\['day8'\\]"):
        load_shifts(write(tmp_path, twice))
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_shifts(write(tmp_path, "interval: [15m\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_shifts(tmp_path / "none.yaml")

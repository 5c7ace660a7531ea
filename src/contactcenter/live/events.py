"""Events given as JSON (``POST /api/v1/events``), written as the queue_log lines they are.

An event is the fields of a queue_log line: ``time`` (Unix epoch seconds), ``callid``,
``queue``, ``agent``, ``event`` (the verb) and ``data`` (data1, data2, ...). Turned into
``time|callid|queue|agent|event|data1|...`` they go through the rules of the raw format,
so a JSON event and the same line in the file are one event. A field cannot hold ``|``
or a line break (a queue_log line could not carry it): such an event is refused, naming
it, before anything is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from contactcenter.errors import InputError

MAX_DATA = 10
"""Most data fields an event may carry (Asterisk writes at most 5)."""


@dataclass(frozen=True)
class Event:
    """One queue_log event (see the module docstring)."""

    time: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...] = ()


def line_of(event: Event, where: str) -> str:
    """The queue_log line of ``event``; ``where`` names it in an error (``events.3``)."""
    fields = {"callid": event.callid, "queue": event.queue, "agent": event.agent,
              "event": event.event}  # fmt: skip
    for i, value in enumerate(event.data):
        fields[f"data.{i}"] = value
    for key, value in fields.items():
        if any(c in value for c in "|\n\r"):
            raise InputError(
                f"{{field}} {value!r} holds '|' or a line break, which a queue_log field cannot",
                field=f"{where}.{key}",
            )
    if len(event.data) > MAX_DATA:
        raise InputError(
            f"{{field}} has {len(event.data)} fields; at most {MAX_DATA}", field=f"{where}.data"
        )
    return "|".join([str(event.time), event.callid, event.queue, event.agent, event.event,
                     *event.data])  # fmt: skip


def lines_of(events: Sequence[Event]) -> bytes:
    """The queue_log lines of ``events``, in order, without the LF after the last."""
    return "\n".join(line_of(e, f"events.{i}") for i, e in enumerate(events)).encode("utf-8")

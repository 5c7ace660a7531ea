"""Survey metrics by queue and channel: each answer takes the queue and channel of the
contact (contact_id) or conversation (conversation_id) it is about."""

from __future__ import annotations

import pytest

from tests.outcomes.helpers import answer, report
from tests.outcomes.test_fcr import contact

CALLS = [
    contact("A", "answered", "2024-03-01 09:00", "2024-03-01 09:05", contact_id="V1", queue="q1"),
    contact("B", "answered", "2024-03-01 10:00", "2024-03-01 10:05", contact_id="V2", queue="q2"),
    # the same id under another source, in another queue: the answer is counted once,
    # with the first queue in name order (q1 of V1 above stays; here qz)
    contact(
        "B",
        "answered",
        "2024-03-01 10:00",
        "2024-03-01 10:05",
        contact_id="V1",
        queue="qz",
        source="other",
    ),
]
CHATS = [
    {
        "conversation_id": "CV1",
        "customer_id": "C",
        "created_at": "2024-03-01 11:00",
        "first_response_at": "2024-03-01 11:01",
        "queue": "web",
    }
]
ANSWERS = [
    answer("csat", 5, 1, 5, contact_id="V1", survey_id="s1"),
    answer("nps", 10, 0, 10, contact_id="V1", survey_id="s1"),
    answer("csat", 1, 1, 5, contact_id="V2", survey_id="s2"),
    answer("csat", 5, 1, 5, conversation_id="CV1", survey_id="s3"),
    answer("csat", 4, 1, 5, survey_id="s4"),  # about nothing known: no queue, no channel
    answer("csat", 3, 1, 5, contact_id="gone", survey_id="s5"),  # not in the store
]


def test_survey_metrics_by_queue_and_channel() -> None:
    metrics = ["csat", "nps", "surveys_answered"]
    by_queue = {
        r["queue"]: r
        for r in report(CALLS, ANSWERS, metrics, by=("queue",), conversations=CHATS).rows()
    }
    assert set(by_queue) == {"q1", "q2", "web", None}
    assert by_queue["q1"]["csat"] == 1.0
    assert by_queue["q1"]["nps"] == pytest.approx(1.0)
    assert by_queue["q1"]["surveys_answered"] == 1
    assert by_queue["q2"]["csat"] == 0.0
    assert by_queue["web"]["csat"] == 1.0
    assert by_queue[None]["csat"] == pytest.approx(1 / 2)  # 4 in the top box, 3 not
    by_channel = {
        r["channel"]: r
        for r in report(CALLS, ANSWERS, ["csat"], by=("channel",), conversations=CHATS).rows()
    }
    assert by_channel["voice"]["csat"] == pytest.approx(1 / 2)
    assert by_channel["chat"]["csat"] == 1.0
    assert by_channel[None]["csat"] == pytest.approx(1 / 2)
    (only,) = report(CALLS, ANSWERS, ["csat"], queues=("q1",), conversations=CHATS).rows()
    assert only["csat"] == 1.0
    (chat,) = report(CALLS, ANSWERS, ["csat"], channels=("chat",), conversations=CHATS).rows()
    assert chat["csat"] == 1.0
    (every,) = report(CALLS, ANSWERS, ["csat", "surveys_answered"], conversations=CHATS).rows()
    assert every["csat"] == pytest.approx(3 / 5)  # each answer once
    assert every["surveys_answered"] == 5

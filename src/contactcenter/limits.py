"""The bounds of the planning options: one definition, checked before any allocation.

Every planning command refuses a value outside these bounds with one line that names the
option, the value and the limit (exit status 2), instead of trying to allocate memory for
it, running for hours or returning a silently wrong answer. docs/cli.md lists them
("Bounds of the planning options"); a test checks that the table there matches.

Why these numbers: they are far beyond any contact center (the largest queues have
thousands of agents) and small enough that every staffing answer comes back within a
second and a simulation within about half a minute (and 2 GB) on one core.
"""

from __future__ import annotations

import datetime as dt

from contactcenter.units import DAY_S

# ---------------------------------------------------------------- staff, plan
MAX_LOAD_ERL = 1_000_000.0
"""Offered load of one queue and period (calls / period x AHT), voice, in Erlangs."""
MAX_CHAT_LOAD_ERL = 20_000.0
"""Offered load of a chat queue (calls / period x AHT at full concurrency), Erlangs."""
MAX_AGENTS = 10_000_000
"""Agents of one queue: given (``--agents``) or needed to meet the targets."""
MAX_CHAT_SLOTS = 200_000
"""Agents x concurrency of a chat queue (the states of the chat model)."""
MAX_CONCURRENCY = 100
"""Conversations an agent holds at once (``--concurrency``)."""
MAX_SHRINKAGE = 0.99
"""Shrinkage: at most 99 % of paid time off the queue (gross = net x 100)."""
MAX_PERIOD_S = 366 * DAY_S
"""Length of the period of ``--calls`` (``staff --period``, ``simulate --period``)."""
MAX_DURATION_S = DAY_S
"""AHT, patience, answer threshold, ASA target, a plan's interval: at most a day."""
MIN_DURATION_S = 0.001
"""AHT, patience, period, a plan's interval: at least a millisecond (contacts are stored
to the microsecond; 1 / 5e-324 s overflows)."""

# ---------------------------------------------------------------- simulate
MAX_SIM_CONTACTS = 5_000_000
"""Expected contacts of one simulated run (calls x periods, or the plan's calls)."""
MAX_SIM_SLOTS = 1_000_000
"""Agents x concurrency on duty in a simulation."""
MAX_PERIODS = 1_000_000
"""Periods of one simulated run (``--periods``) or rows of a simulated plan."""
MAX_TEAM_AGENTS = 20_000
"""Named agents of a simulated team (``simulate --schedule`` or ``--queue-log``)."""
MAX_TEAM_CELLS = 20_000_000
"""Agents x periods of a team made from a staffing plan (``simulate --queue-log`` without
``--schedule``)."""
MAX_PAUSE_RATE_PER_H = 60.0
"""Unscheduled pauses per hour available (``simulate --pause-rate``)."""
MAX_SERVICE_CV = 100.0
"""Coefficient of variation of lognormal handle times (``--service-cv``)."""
MAX_SEED = 2**63 - 1
"""Largest ``--seed``."""
EARLIEST_START = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""No simulated contact before the Unix epoch (queue_log and most stores count from it)."""
LATEST_END = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
"""No simulated contact after the last instant a date-time can hold."""

# ---------------------------------------------------------------- forecast, backtest
FIRST_HISTORY_DAY = dt.date(1900, 1, 1)
LAST_HISTORY_DAY = dt.date(2199, 12, 31)
"""History and forecast dates lie in these years (pandas counts nanoseconds up to 2262)."""
MAX_HORIZON_DAYS = 3660
"""Forecast horizon (``--horizon``): ten years."""
MAX_HISTORY_CELLS = 2_000_000
"""Days x intervals of one queue's history on the forecast grid (19 years of 5 minutes,
114 years of 30 minutes; about 20 s and 1 GB)."""
MAX_FOLDS = 1_000
"""Backtest folds (``--folds``, ``--inner-folds``)."""
MAX_MEAN_WEEKS = 520
"""Weeks of ``seasonal_mean`` (``--mean-weeks``)."""

# ---------------------------------------------------------------- schedule
MAX_TIME_LIMIT_S = DAY_S
"""Solver time limit (``--time-limit``)."""
MAX_WORKERS = 64
"""Solver threads (``--workers``)."""
MAX_MODEL_TERMS = 2_000_000
"""Coverage terms of the shift model (shifts and breaks x the grid slots they span)."""
MAX_SCHEDULE_DAYS = 366
"""Days of one schedule (from the plan's first day to its last)."""
LAST_PLAN_DAY = LAST_HISTORY_DAY + dt.timedelta(days=MAX_HORIZON_DAYS)
"""A plan to schedule lies between FIRST_HISTORY_DAY and the last day a forecast reaches."""

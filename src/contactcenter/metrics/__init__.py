"""The metric catalog (definitions as data, over registered facts) and its compiler.

============  ================================================================
module        what it holds
============  ================================================================
catalog       :class:`Metric`, the registry of metrics, validation, selection
measures      per fact: flags, row conditions, values, notes
voice         the queue metrics over ``contacts`` and ``ring_outs``
surveys       the survey metrics over ``surveys`` (csat, nps, ces, ...)
fcr           first-contact resolution over the derived fact ``contact_repeats``
dispositions  dispositions (wrap-up codes) and complaints over ``contacts``
indexes       ``csi``, a weighted index of the outcome metrics
qa            quality evaluations: qa_score, pass rate per item, calibration
options       the outcome metrics' report options (repeat window, top box, weights)
agents        the agent metrics over ``agent_states`` (and ``contacts``)
adherence     schedule adherence over ``adherence`` (and ``agent_states``)
conversations the chat, e-mail, ticket and social metrics over ``conversations``, ...
keys          group keys: declared, encoded in queries, decoded in results
thresholds    T, S and targets per channel and queue
compiler      metrics + keys -> one Ibis expression over several facts
timezones     a zone's UTC offsets as segments for portable bucketing
============  ================================================================

Importing this package registers the built-in metrics.
"""

from contactcenter.metrics import adherence as _adherence  # noqa: F401  (adherence metrics)
from contactcenter.metrics import agents as _agents  # noqa: F401  (registers the agent metrics)
from contactcenter.metrics import conversations as _conversations  # noqa: F401  (and these)
from contactcenter.metrics import dispositions as _dispositions  # noqa: F401  (complaints)
from contactcenter.metrics import indexes as _indexes  # noqa: F401  (outcomes, csi)
from contactcenter.metrics import qa as _qa  # noqa: F401  (quality evaluations)
from contactcenter.metrics import voice as _voice  # noqa: F401  (registers the voice metrics)
from contactcenter.metrics.catalog import (
    BY_NAME,
    Metric,
    catalog,
    default_metrics,
    register_metric,
    select_metrics,
    unregister_metric,
)
from contactcenter.metrics.compiler import GROUP_KEYS, ReportSpec, compile_report
from contactcenter.metrics.measures import Flag, Hidden, Measures, register_measures
from contactcenter.metrics.thresholds import Thresholds

__all__ = [
    "BY_NAME",
    "GROUP_KEYS",
    "Flag",
    "Hidden",
    "Measures",
    "Metric",
    "ReportSpec",
    "Thresholds",
    "catalog",
    "compile_report",
    "default_metrics",
    "register_measures",
    "register_metric",
    "select_metrics",
    "unregister_metric",
]

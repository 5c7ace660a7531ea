"""The metric catalog (definitions as data) and its compiler to Ibis expressions."""

from contactcenter.metrics.catalog import BY_NAME, CATALOG, Metric, select_metrics
from contactcenter.metrics.compiler import GROUP_KEYS, ReportSpec, compile_report
from contactcenter.metrics.thresholds import Thresholds

__all__ = [
    "BY_NAME",
    "CATALOG",
    "GROUP_KEYS",
    "Metric",
    "ReportSpec",
    "Thresholds",
    "compile_report",
    "select_metrics",
]

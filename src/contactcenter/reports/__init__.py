"""Reports: readable tables, exports (CSV, JSON, Excel, Parquet) and self-contained HTML."""

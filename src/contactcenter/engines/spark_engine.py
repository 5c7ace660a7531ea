"""Scale-out: the same Ibis expressions on Spark (local mode by default, any cluster by URL).

The store's contacts are exported to Parquet (DuckDB COPY) and read by Spark; a cluster
user can point ``CONTACTCENTER_SPARK_CONTACTS`` at a Parquet dataset of canonical contacts
the cluster can read (for example on HDFS or S3) instead. Configuration:

``CONTACTCENTER_SPARK_MASTER`` (or ``--spark-master``)  default ``local[*]``
``CONTACTCENTER_SPARK_CONTACTS``                       Parquet path the cluster reads

The session time zone is UTC; one session is shared per process (start-up takes seconds).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from contactcenter.engines.base import Engine
from contactcenter.errors import EngineError, StoreError

_SESSION: Any = None


def spark_session(master: str | None = None) -> Any:
    """The process-wide Spark session (created on first use)."""
    global _SESSION
    if _SESSION is not None:
        return _SESSION
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(
            "--engine spark needs pyspark: pip install 'contactcenter[spark]' (and a Java runtime)"
        ) from exc
    master = master or os.environ.get("CONTACTCENTER_SPARK_MASTER", "local[*]")
    try:
        _SESSION = (
            SparkSession.builder.master(master)
            .appName("contactcenter")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
    except Exception as exc:  # py4j/Java start-up errors have no common base
        raise EngineError(f"--engine spark: cannot start Spark ({master}): {exc}") from exc
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def export_contacts(db: str | Path, out_dir: Path) -> Path:
    """Write the store's contacts to ``out_dir/contacts.parquet`` and return the path."""
    import duckdb

    path = Path(db)
    if not path.is_file():
        raise StoreError(f"--db: store {path} does not exist")
    out = out_dir / "contacts.parquet"
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"COPY contacts TO '{out}' (FORMAT parquet)")
    finally:
        con.close()
    return out


def open_spark(db: str | Path, *, master: str | None = None) -> Engine:
    """Bind the contacts of store ``db`` (or CONTACTCENTER_SPARK_CONTACTS) in Spark."""
    import ibis

    session = spark_session(master)
    source = os.environ.get("CONTACTCENTER_SPARK_CONTACTS")
    if not source:
        tmp = Path(tempfile.mkdtemp(prefix="contactcenter-spark-"))
        source = str(export_contacts(db, tmp))
    backend = ibis.pyspark.connect(session)
    frame = session.read.parquet(source)
    frame.createOrReplaceTempView("contacts")
    return Engine("spark", backend, backend.table("contacts"))

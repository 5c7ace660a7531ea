"""Scale-out: the same Ibis expressions on Spark (local mode by default, any cluster by URL).

Spark cannot read a DuckDB file, so each table a report reads is exported from the store
to Parquet (DuckDB COPY) the first time it is asked for, and read by Spark. On a
cluster, ``CONTACTCENTER_SPARK_<TABLE>`` (``CONTACTCENTER_SPARK_CONTACTS``,
``CONTACTCENTER_SPARK_RING_OUTS``, ...) points a table at a Parquet dataset of its
canonical rows that the cluster can read (on HDFS or S3) instead. Configuration:

``CONTACTCENTER_SPARK_MASTER`` (or ``--spark-master``)  default ``local[*]``
``CONTACTCENTER_SPARK_<TABLE>``                        Parquet path the cluster reads

The session time zone is UTC; one session is shared per process (start-up takes seconds).
"""

from __future__ import annotations

import os
import shutil
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
            "{field} spark needs pyspark: pip install 'contactcenter[spark]' (and a Java runtime)",
            field="engine",
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
        raise EngineError(
            f"{{field}} spark: cannot start Spark ({master}): {exc}", field="engine"
        ) from exc
    _SESSION.sparkContext.setLogLevel("ERROR")
    return _SESSION


def export_table(db: str | Path, name: str, out_dir: Path) -> Path | None:
    """Write the store's table ``name`` to ``out_dir/<name>.parquet`` and return the path
    (None when the store has no such table)."""
    from contactcenter.store import connect

    path = Path(db)
    if not path.is_file():
        raise StoreError(f"{{field}}: store {path} does not exist", field="db")
    connection = connect(path, read_only=True)
    try:
        con = connection.con
        if name not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}:
            return None
        out = out_dir / f"{name}.parquet"
        con.execute(f"COPY \"{name}\" TO '{out}' (FORMAT parquet)")
    finally:
        connection.close()
    return out


def open_spark(db: str | Path, *, master: str | None = None) -> Engine:
    """Bind the tables of store ``db`` in Spark, each exported when first read."""
    import ibis

    session = spark_session(master)
    backend = ibis.pyspark.connect(session)
    tmp = Path(tempfile.mkdtemp(prefix="contactcenter-spark-"))

    def source(name: str) -> Any:
        parquet = os.environ.get(f"CONTACTCENTER_SPARK_{name.upper()}")
        if not parquet:
            exported = export_table(db, name, tmp)
            if exported is None:
                return None
            parquet = str(exported)
        view = f"cc_{name}"
        session.read.parquet(parquet).createOrReplaceTempView(view)
        return backend.table(view)

    def release() -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    return Engine("spark", backend, source, release)

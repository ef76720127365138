"""Running the monitoring SQL (figures.sql) in an embedded DuckDB over the three input relations.

``connect`` opens a DuckDB connection with ``orders``, ``agreements`` and ``reports`` in it (Polars
frames, or anything else DuckDB reads, such as Parquet files); ``compute`` defines every figure's
view for a monitoring date; ``fetch`` reads one of them as a Polars frame, sorted.
"""

from __future__ import annotations

import datetime
import functools
import re
from pathlib import Path

import duckdb
import polars as pl

from vbp.monitor.ingest import SCHEMA
from vbp.monitor.read import Inputs

SQL_FILE = Path(__file__).with_name("figures.sql")
VIEWS = ("progress", "report_check", "late_payments", "payments", "delivery", "offline_lines", "platform")
ORDER = {
    "progress": "hospital, batch, generic",
    "report_check": "hospital, batch, generic",
    "late_payments": "hospital, ordered, order_no",
    "payments": "hospital, batch",
    "delivery": "distributor",
    "offline_lines": "hospital, ordered, order_no",
    "platform": "year, hospital, batch, generic",
}
EMPTY_REPORTS = pl.DataFrame(
    schema={
        "hospital": pl.String,
        "batch": pl.String,
        "generic": pl.String,
        "reported": pl.Int64,
        "last_year": pl.Int64,
    }
)
DUCKDB_THREADS = 2


@functools.cache
def statements() -> tuple[tuple[str, str], ...]:
    """(name, SQL) of each statement of figures.sql, in order."""
    parts = re.split(r"^-- name: (\w+)\s*$", SQL_FILE.read_text(encoding="utf-8"), flags=re.MULTILINE)
    return tuple((name, sql.strip()) for name, sql in zip(parts[1::2], parts[2::2], strict=True))


def connect(inputs: Inputs | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection; with ``inputs``, its frames as orders, agreements and reports."""
    connection = duckdb.connect(config={"threads": DUCKDB_THREADS})
    if inputs is None:
        return connection
    if inputs.order_files is not None:
        read_parquet(connection, "orders", inputs.order_files)
        connection.execute("CREATE TEMP VIEW previous_orders AS SELECT * FROM orders LIMIT 0")
    else:
        connection.register("orders", inputs.orders.to_arrow())
        connection.register("previous_orders", inputs.orders.clear().to_arrow())
    # (the input holds every line: none is from before it)
    connection.register("agreements", inputs.agreements.to_arrow())
    connection.register("reports", (inputs.reports if inputs.reports is not None else EMPTY_REPORTS).to_arrow())
    return connection


def read_parquet(connection: duckdb.DuckDBPyConnection, name: str, paths: list[Path]) -> None:
    """Order lines of these Parquet files (written as vbp.monitor.ingest writes them) as the relation ``name``."""
    if paths:
        listed = ", ".join("'" + str(path).replace("'", "''") + "'" for path in paths)
        connection.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM read_parquet([{listed}])")  # noqa: S608
    else:
        connection.register(name, SCHEMA.empty_table())


def compute(connection: duckdb.DuckDBPyConnection, as_of: datetime.date) -> None:
    """Define every figure's view on ``connection`` for the monitoring date ``as_of``."""
    for name, sql in statements():
        connection.execute(sql, {"as_of": as_of} if name == "setup" else None)


def fetch(connection: duckdb.DuckDBPyConnection, view: str) -> pl.DataFrame:
    """One figure's rows, in their report order."""
    if view not in ORDER:
        raise ValueError(view)
    return connection.sql(f"SELECT * FROM {view} ORDER BY {ORDER[view]}").pl()  # noqa: S608 (names are ours)

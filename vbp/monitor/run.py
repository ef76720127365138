"""``vbp monitor``: read, check, compute, write — nothing is written when the input has a bad cell.

A folder's order lines are streamed into Parquet files in a temporary folder, removed afterwards."""

from __future__ import annotations

import datetime
import tempfile
import time
from pathlib import Path

from vbp.monitor.figures import compute, connect
from vbp.monitor.read import read
from vbp.monitor.report import Summary, write_report


def monitor(source: Path, output: Path, as_of: datetime.date) -> tuple[Summary, dict[str, float]]:
    """Write the 监测通报 of ``source`` as of ``as_of`` to ``output``; InputError on bad input. Phase timings."""
    timings = {}
    with tempfile.TemporaryDirectory(prefix="vbp-monitor-") as scratch:
        started = time.perf_counter()
        inputs = read(source, Path(scratch) / "orders")  # a folder's order lines streamed to Parquet there
        timings["读取与校验"] = time.perf_counter() - started
        started = time.perf_counter()
        connection = connect(inputs)
        compute(connection, as_of)
        result = write_report(output, connection, as_of)
        connection.close()
        timings["计算与写出"] = time.perf_counter() - started
    return result, timings

"""The stored order lines: Parquet files by year and month of 下单日期, under VBP_DATA_ROOT/orders.

An import replaces whole months: the file's months are written to a staging folder beside the store
and then swapped in, each month's old file moved aside first and put back if anything fails, so the
store always holds either the old or the new lines of a month, never a mix. A line is named by
订单编号 and 医疗机构编码: a stored line of another month with the same name as one in the file is
dropped from its month (the order was re-dated), so no line is ever stored twice.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
from django.conf import settings

FILE_NAME = "lines.parquet"
KEY = ["order_no", "hospital"]


def root() -> Path:
    return Path(settings.VBP_DATA_ROOT) / "orders"


def month_folder(year: int, month: int, base: Path | None = None) -> Path:
    return (base or root()) / f"year={year}" / f"month={month:02d}"


def stored_files() -> list[Path]:
    return sorted(root().glob(f"year=*/month=*/{FILE_NAME}"))


def month_of(path: Path) -> tuple[int, int]:
    return int(path.parent.parent.name.removeprefix("year=")), int(path.parent.name.removeprefix("month="))


def stored_months() -> dict[tuple[int, int], int]:
    """(year, month) → the number of lines stored for it (from the files' metadata, without reading them)."""
    return {month_of(path): pq.ParquetFile(path).metadata.num_rows for path in stored_files()}


@dataclass
class Replacement:
    months: dict[tuple[int, int], tuple[int, int]]  # (year, month) → (lines before, lines after)
    moved: int  # stored lines of other months dropped because the file holds them

    @property
    def replaced(self) -> int:
        return sum(before for before, _ in self.months.values())


def plan(frame: pl.DataFrame) -> Replacement:
    """What storing ``frame`` would do, without doing it."""
    return _replacement(frame, _moved_lines(frame))


class Staged:
    """A file's months written beside the store, not yet in it: what the store will hold once ``swap_in`` runs.

    ``files(year)`` lists the year's Parquet files as the store will be, so the figures can be computed (and
    checked) before anything in the store changes; ``discard`` forgets it all.
    """

    def __init__(self, frame: pl.DataFrame):
        frame = frame.drop("__row", strict=False)
        moved = _moved_lines(frame)
        self.replacement = _replacement(frame, moved)
        self.base = root()
        self.base.mkdir(parents=True, exist_ok=True)
        self.folder = self.base / f".staging-{uuid.uuid4().hex}"
        try:
            by_month = frame.with_columns(
                pl.col("ordered").dt.year().alias("__year"), pl.col("ordered").dt.month().alias("__month")
            )
            for (year, month), part in by_month.partition_by(["__year", "__month"], as_dict=True).items():
                _write(part.drop("__year", "__month").sort(KEY), month_folder(year, month, self.folder))
            for (year, month), keys in moved.items():
                kept = pl.read_parquet(month_folder(year, month) / FILE_NAME).join(keys, on=KEY, how="anti")
                _write(kept, month_folder(year, month, self.folder))
        except BaseException:
            self.discard()
            raise

    @property
    def years(self) -> list[int]:
        return sorted({year for year, _ in self.replacement.months})

    def files(self, year: int) -> list[Path]:
        """The year's files as the store will hold them: the staged months, and the stored ones not replaced."""
        staged = sorted(self.folder.glob(f"year={year}/month=*/{FILE_NAME}"))
        replaced = {month_of(path) for path in staged}
        kept = [path for path in stored_files() if month_of(path)[0] == year and month_of(path) not in replaced]
        return sorted(kept + staged)

    def swap_in(self) -> None:
        """Put the staged months in the store, each month wholly or not at all."""
        trash = self.base / f".trash-{uuid.uuid4().hex}"
        try:
            _swap(self.folder, trash, self.base)
        finally:
            shutil.rmtree(trash, ignore_errors=True)
            self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def replace_months(frame: pl.DataFrame) -> Replacement:
    """Store ``frame``'s lines (typed as vbp.monitor.read makes them), replacing every month it holds."""
    staged = Staged(frame)
    staged.swap_in()
    return staged.replacement


def _write(frame: pl.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / FILE_NAME, compression="zstd", statistics=True)


def _swap(staging: Path, trash: Path, base: Path) -> None:
    """Move each staged month into the store, its old folder aside first; undo every move if one fails."""
    done: list[tuple[Path, Path | None, bool]] = []  # (month, where its old folder went, whether the new one landed)
    try:
        for staged in sorted(staging.glob(f"year=*/month=*/{FILE_NAME}")):
            year, month = month_of(staged)
            target = month_folder(year, month, base)
            aside = None
            if target.exists():
                aside = month_folder(year, month, trash)
                aside.parent.mkdir(parents=True, exist_ok=True)
                target.rename(aside)
            done.append((target, aside, False))  # recorded before the new folder moves, so an undo finds the old one
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.parent.rename(target)
            done[-1] = (target, aside, True)
    except BaseException:
        for target, aside, landed in reversed(done):
            if landed:
                shutil.rmtree(target, ignore_errors=True)
            if aside is not None:
                aside.rename(target)
        raise


def _moved_lines(frame: pl.DataFrame) -> dict[tuple[int, int], pl.DataFrame]:
    """Per stored month the file does not replace: the keys of its lines that the file holds."""
    months = set(
        frame.select(pl.col("ordered").dt.year().alias("y"), pl.col("ordered").dt.month().alias("m"))
        .unique()
        .iter_rows()
    )
    keys = frame.select(KEY)
    moved = {}
    for path in stored_files():
        if month_of(path) in months:
            continue
        found = pl.scan_parquet(path).select(KEY).join(keys.lazy(), on=KEY, how="semi").collect()
        if found.height:
            moved[month_of(path)] = found
    return moved


def _replacement(frame: pl.DataFrame, moved: dict[tuple[int, int], pl.DataFrame]) -> Replacement:
    stored = stored_months()
    counts = frame.group_by(pl.col("ordered").dt.year().alias("y"), pl.col("ordered").dt.month().alias("m")).len()
    months = {(y, m): (stored.get((y, m), 0), count) for y, m, count in counts.iter_rows()}
    for month, keys in moved.items():
        months[month] = (stored[month], stored[month] - keys.height)
    return Replacement(dict(sorted(months.items())), sum(keys.height for keys in moved.values()))

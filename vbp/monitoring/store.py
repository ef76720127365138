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

PARTS = "*.parquet"  # a month is a folder of one or more Parquet files (an import writes several)
FILE_NAME = "lines.parquet"  # the one file of a month the store rewrites itself
KEY = ["order_no", "hospital"]


def root() -> Path:
    return Path(settings.VBP_DATA_ROOT) / "orders"


def month_folder(year: int, month: int, base: Path | None = None) -> Path:
    return (base or root()) / f"year={year}" / f"month={month:02d}"


def stored_files() -> list[Path]:
    return sorted(root().glob(f"year=*/month=*/{PARTS}"))


def month_of(path: Path) -> tuple[int, int]:
    return int(path.parent.parent.name.removeprefix("year=")), int(path.parent.name.removeprefix("month="))


def stored_months() -> dict[tuple[int, int], int]:
    """(year, month) → the number of lines stored for it (from the files' metadata, without reading them)."""
    return _line_counts(stored_files())


def _line_counts(paths: list[Path]) -> dict[tuple[int, int], int]:
    counts: dict[tuple[int, int], int] = {}
    for path in paths:
        counts[month_of(path)] = counts.get(month_of(path), 0) + pq.ParquetFile(path).metadata.num_rows
    return counts


@dataclass
class Replacement:
    months: dict[tuple[int, int], tuple[int, int]]  # (year, month) → (lines before, lines after)
    moved: int  # stored lines of other months dropped because the file holds them

    @property
    def replaced(self) -> int:
        return sum(before for before, _ in self.months.values())


def new_staging() -> Path:
    """A fresh folder beside the store (same file system, so its months can be renamed in), not yet made."""
    base = root()
    base.mkdir(parents=True, exist_ok=True)
    return base / f".staging-{uuid.uuid4().hex}"


class Staged:
    """A file's months written beside the store, not yet in it: what the store will hold once ``swap_in`` runs.

    ``folder`` holds the new lines by month (vbp.monitor.ingest writes them so); the stored lines of other
    months that the file holds again are dropped from copies of those months written there too. ``files(year)``
    lists the year's Parquet files as the store will be, so the figures can be computed (and checked) before
    anything in the store changes; ``discard`` forgets it all.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.base = self.folder.parent
        try:
            new = _months_in(self.folder)
            moved = _moved_lines(self.folder, set(new))
            self.replacement = _replacement(new, moved)
            for (year, month), keys in moved.items():
                kept = pl.read_parquet(month_folder(year, month) / PARTS).join(keys, on=KEY, how="anti")
                _write(kept, month_folder(year, month, self.folder))
        except BaseException:
            self.discard()
            raise

    @classmethod
    def of_frame(cls, frame: pl.DataFrame) -> Staged:
        """``frame``'s lines (typed as vbp.monitor.read makes them) staged by month."""
        folder = new_staging()
        try:
            by_month = frame.drop("__row", strict=False).with_columns(
                pl.col("ordered").dt.year().alias("__year"), pl.col("ordered").dt.month().alias("__month")
            )
            for (year, month), part in by_month.partition_by(["__year", "__month"], as_dict=True).items():
                _write(part.drop("__year", "__month").sort(KEY), month_folder(year, month, folder))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return cls(folder)

    @property
    def years(self) -> list[int]:
        return sorted({year for year, _ in self.replacement.months})

    def files(self, year: int) -> list[Path]:
        """The year's files as the store will hold them: the staged months, and the stored ones not replaced."""
        staged = sorted(self.folder.glob(f"year={year}/month=*/{PARTS}"))
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
    staged = Staged.of_frame(frame)
    staged.swap_in()
    return staged.replacement


def _write(frame: pl.DataFrame, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / FILE_NAME, compression="zstd", statistics=True)


def _swap(staging: Path, trash: Path, base: Path) -> None:
    """Move each staged month into the store, its old folder aside first; undo every move if one fails."""
    done: list[tuple[Path, Path | None, bool]] = []  # (month, where its old folder went, whether the new one landed)
    try:
        for staged in sorted(staging.glob("year=*/month=*/")):
            year, month = month_of(staged / FILE_NAME)
            target = month_folder(year, month, base)
            aside = None
            if target.exists():
                aside = month_folder(year, month, trash)
                aside.parent.mkdir(parents=True, exist_ok=True)
                target.rename(aside)
            done.append((target, aside, False))  # recorded before the new folder moves, so an undo finds the old one
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.rename(target)
            done[-1] = (target, aside, True)
    except BaseException:
        for target, aside, landed in reversed(done):
            if landed:
                shutil.rmtree(target, ignore_errors=True)
            if aside is not None:
                aside.rename(target)
        raise


def _months_in(folder: Path) -> dict[tuple[int, int], int]:
    """(year, month) → the lines of each month staged in ``folder``."""
    return _line_counts(sorted(folder.glob(f"year=*/month=*/{PARTS}")))


def _moved_lines(folder: Path, months: set[tuple[int, int]]) -> dict[tuple[int, int], pl.DataFrame]:
    """Per stored month the staged ``months`` do not replace: the keys of its lines that ``folder`` holds again."""
    others = sorted({month_of(path) for path in stored_files()} - months)
    if not others or not months:
        return {}
    keys = pl.scan_parquet(sorted(folder.glob(f"year=*/month=*/{PARTS}"))).select(KEY)
    moved = {}
    for year, month in others:
        parts = pl.scan_parquet(month_folder(year, month) / PARTS)
        found = parts.select(KEY).join(keys, on=KEY, how="semi").collect()
        if found.height:
            moved[(year, month)] = found
    return moved


def _replacement(new: dict[tuple[int, int], int], moved: dict[tuple[int, int], pl.DataFrame]) -> Replacement:
    stored = stored_months()
    months = {month: (stored.get(month, 0), count) for month, count in new.items()}
    for month, keys in moved.items():
        months[month] = (stored[month], stored[month] - keys.height)
    return Replacement(dict(sorted(months.items())), sum(keys.height for keys in moved.values()))

"""Order lines streamed from a file into Parquet files by month, checked batch by batch.

A CSV or Parquet file of any size is read a batch of rows at a time (every cell as text, as
vbp.monitor.read reads it), each batch typed and checked by the same rules, and its lines gathered by
month and written, a million lines at a time, as Parquet files of their month
(``year=YYYY/month=MM/part-NNNNN.parquet`` under ``folder``). Memory stays that of a few batches
however long the file is. Two checks need the whole file and run after the
last batch: no two lines share 订单编号 and 医疗机构编码 (compared by hashes held in memory, 16 bytes a
line, and the keys of lines whose hashes match read back), and whatever the caller asks of the stored
months (``finish``).

On any problem nothing is kept: the caller gets the problems (the first MAX_PROBLEMS of them, then a
line saying the rest of the file was not checked) and the folder is removed. A workbook is small
enough (vbp.calc.guard) to be read whole and goes through the same steps as one batch.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow as pa

from vbp.calc.guard import WorkbookLimits
from vbp.calc.problems import Problem, column_letter
from vbp.calc.reader import OFFLINE_LIMITS, ROW, RawSheet, _clean, read_input
from vbp.monitor.read import _check_orders, _typed
from vbp.monitor.schema import INPUT_SHEETS, KNOWN_HEADERS, ORDER_LINES

KEY = ("order_no", "hospital")
BATCH_ROWS = 250_000  # read and checked at a time
FLUSH_ROWS = 1_000_000  # lines gathered before they are written
MAX_PROBLEMS = 5000  # listed; past this the rest of the file is not read
HASH_SEED = 20240101
COMPRESSION = "snappy"  # the fastest to write and to read of the codecs every Parquet reader knows
COLUMNS, _, _ = INPUT_SHEETS[ORDER_LINES]
SCHEMA = pa.schema(
    [
        ("order_no", pa.large_string()),
        ("hospital", pa.large_string()),
        ("batch", pa.large_string()),
        ("generic", pa.large_string()),
        ("winning", pa.bool_()),
        ("distributor", pa.large_string()),
        ("offline", pa.bool_()),
        ("quantity", pa.int64()),
        ("amount", pa.decimal128(18, 2)),
        ("ordered", pa.date32()),
        ("delivered", pa.date32()),
        ("received", pa.date32()),
        ("received_amount", pa.decimal128(18, 2)),
        ("paid", pa.date32()),
    ]
)

Check = Callable[[pl.DataFrame, dict[str, str]], list[Problem]]  # a typed batch (with ROW), the column letters


@dataclass
class Ingested:
    """What ``ingest`` made of a file: its lines by month under ``folder`` (when there is no problem)."""

    folder: Path
    rows: int = 0
    months: dict[tuple[int, int], int] = field(default_factory=dict)  # (year, month) → lines
    problems: list[Problem] = field(default_factory=list)

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("year=*/month=*/*.parquet"))

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def month_folder(base: Path, year: int, month: int) -> Path:
    return base / f"year={year}" / f"month={month:02d}"


def ingest(
    path: Path,
    file_name: str,
    folder: Path,
    *,
    check: Check | None = None,
    finish: Callable[[Ingested], list[Problem]] | None = None,
    progress: Callable[[int], None] | None = None,
    limits: WorkbookLimits = OFFLINE_LIMITS,
    batch_rows: int | None = None,
) -> Ingested:
    """Read, check and store by month the 订单明细 at ``path`` (``file_name`` is what the user calls it).

    ``check`` adds problems of a typed batch (say, hospitals the system does not know); ``finish`` those of the
    whole, once every batch is stored; ``progress`` hears the rows read so far. With any problem the folder is
    removed and the result holds only the problems.
    """
    result = Ingested(Path(folder))
    result.folder.mkdir(parents=True)
    reader = _Reader(Path(path), file_name, limits, batch_rows or BATCH_ROWS)
    writers = _Writers(result.folder)
    workbook = Path(file_name).suffix.lower() in (".xlsx", ".xlsm")
    try:
        for sheet in reader.sheets():
            found = len(result.problems)
            typed = _typed(sheet, COLUMNS, (), result.problems, workbook=workbook)
            if typed is None:
                break
            if len(result.problems) == found:  # as the whole-file reader: a row check would misread a bad cell
                _check_orders(sheet, typed, result.problems)
            if check is not None:
                result.problems += check(typed, reader.letters)
            result.rows += typed.height
            if progress is not None:
                progress(result.rows)
            if len(result.problems) >= MAX_PROBLEMS:
                del result.problems[MAX_PROBLEMS:]
                last = sheet.locate(int(sheet.frame[ROW].max()))[1]
                result.problems.append(
                    Problem(file_name, None, "", f"问题超过 {MAX_PROBLEMS} 处，第 {last} 行之后未再检查")
                )
                break
            writers.write(typed, lines=not result.problems)  # the keys always, for the duplicate check
        writers.close()
        if not reader.problems and len(result.problems) < MAX_PROBLEMS and writers.keys_folder.exists():
            result.problems += _duplicates(writers, reader.letters, MAX_PROBLEMS - len(result.problems))
        result.problems = reader.problems + result.problems
        if not result.problems:
            result.months = writers.months
        if not result.problems and finish is not None:
            result.problems = finish(result)
    except BaseException:
        result.discard()
        raise
    writers.discard_keys()
    if result.problems:
        result.discard()
        result.months = {}
    return result


# --- reading, a batch at a time --------------------------------------------------------------------------------


class _Reader:
    """The file as sheets of at most ``size`` rows each, every cell text, rows numbered as Excel (or a CSV
    editor) shows them; none, with ``problems`` said, when the file cannot be read. ``letters`` places each
    column once the header is read."""

    def __init__(self, path: Path, file_name: str, limits: WorkbookLimits, size: int):
        self.path, self.file_name, self.limits, self.size = path, file_name, limits, size
        self.problems: list[Problem] = []
        self.letters: dict[str, str] = {}

    def sheets(self) -> Iterator[RawSheet]:
        suffix = Path(self.file_name).suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            yield from self._workbook()
        elif suffix in (".csv", ".parquet"):
            yield from self._stream(suffix)
        else:
            self.problems.append(Problem(self.file_name, None, "", "应为 .csv、.parquet 或 .xlsx 文件"))

    def _workbook(self) -> Iterator[RawSheet]:
        sheets, found = read_input(self.path, KNOWN_HEADERS, sheet_names=[ORDER_LINES], limits=self.limits)
        self.problems += [self._named(problem) for problem in found]
        if not found and ORDER_LINES not in sheets:
            self.problems.append(Problem(ORDER_LINES, None, "", f"工作簿中没有工作表“{ORDER_LINES}”"))
        if not self.problems:
            self.letters = sheets[ORDER_LINES].letters
            yield sheets[ORDER_LINES]

    def _stream(self, suffix: str) -> Iterator[RawSheet]:
        try:
            if suffix == ".csv":
                source = pl.scan_csv(self.path, infer_schema=False, encoding="utf8-lossy", raise_if_empty=False)
            else:
                source = pl.scan_parquet(self.path)
            headers = source.collect_schema().names()
            self.letters = {
                _clean(header): f"{column_letter(index)}（{_clean(header)}）" for index, header in enumerate(headers)
            }
            missing = [column.header for column in COLUMNS if not column.optional and column.header not in self.letters]
            if missing:
                self.problems += [Problem(ORDER_LINES, None, "", f"缺少列“{header}”") for header in missing]
                return
            source = source.select(pl.col(header).cast(pl.String).alias(_clean(header)) for header in headers)
            first = 2  # the header is row 1
            for batch in source.collect_batches(chunk_size=self.size):
                sheet = _sheet(batch, self.letters, first)
                first += batch.height
                if sheet.frame.height:
                    yield sheet
        except (pl.exceptions.PolarsError, OSError) as error:
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            self.problems.append(Problem(self.file_name, None, "", f"无法读取文件（{reason}）"))

    def _named(self, problem: Problem) -> Problem:
        """A problem about the stored copy of an upload, told with the name the user gave the file."""
        if problem.sheet == self.path.name:
            return Problem(self.file_name, problem.row, problem.column, problem.message)
        return problem


def _sheet(batch: pl.DataFrame, letters: dict[str, str], first: int) -> RawSheet:
    """A batch as vbp.calc.reader makes a sheet: text stripped, blank to null, empty rows dropped."""
    stripped = pl.col(pl.String).str.strip_chars()
    frame = batch.with_columns(pl.when(stripped.str.len_bytes() > 0).then(stripped)).with_row_index(ROW, offset=first)
    frame = frame.filter(~pl.all_horizontal(pl.exclude(ROW).is_null())).with_columns(pl.col(ROW).cast(pl.Int64))
    return RawSheet(name=ORDER_LINES, frame=frame, letters=letters)


# --- writing, a month at a time ------------------------------------------------------------------------------


class _Writers:
    """The lines by month, gathered until FLUSH_ROWS are waiting and then written as one Parquet file per month
    (``part-NNNNN.parquet``); the keys, with each line's row, for the duplicate check."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys_folder = folder / "keys"
        self.months: dict[tuple[int, int], int] = {}
        self._waiting: dict[tuple[int, int], list[pl.DataFrame]] = {}
        self._keys: list[pl.DataFrame] = []
        self.hashes: list[pl.DataFrame] = []  # (hash of the key, ROW) of every line read
        self._rows = 0
        self._flushes = 0

    def write(self, typed: pl.DataFrame, lines: bool = True) -> None:
        """The batch's keys, and with ``lines`` its lines."""
        self._keys.append(typed.select(*KEY, pl.col(ROW)))
        self.hashes.append(typed.select(pl.struct(*KEY).hash(HASH_SEED).alias("hash"), pl.col(ROW)))
        self._rows += typed.height
        if lines:
            months = typed.drop(ROW).with_columns(
                pl.col("ordered").dt.year().alias("__year"), pl.col("ordered").dt.month().alias("__month")
            )
            for (year, month), part in months.partition_by(["__year", "__month"], as_dict=True).items():
                self._waiting.setdefault((year, month), []).append(part.drop("__year", "__month"))
                self.months[(year, month)] = self.months.get((year, month), 0) + part.height
        if self._rows >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        name = f"part-{self._flushes:05d}.parquet"
        if self._keys:
            self.keys_folder.mkdir(exist_ok=True)
            pl.concat(self._keys).write_parquet(self.keys_folder / name, compression=COMPRESSION, statistics=False)
        for (year, month), parts in self._waiting.items():
            target = month_folder(self.folder, year, month)
            target.mkdir(parents=True, exist_ok=True)
            pl.concat(parts).write_parquet(target / name, compression=COMPRESSION)
        self._waiting, self._keys, self._rows = {}, [], 0
        self._flushes += 1

    def close(self) -> None:
        self.flush()
        self.months = dict(sorted(self.months.items()))

    def discard_keys(self) -> None:
        shutil.rmtree(self.keys_folder, ignore_errors=True)


def _duplicates(writers: _Writers, letters: dict[str, str], most: int) -> list[Problem]:
    """Every line whose 订单编号 and 医疗机构编码 an earlier line of the file has (the first ``most``).

    Lines whose keys hash alike are the candidates (a hash is 8 bytes a line, whatever the key's length); their
    keys, read back, decide.
    """
    hashes = pl.concat(writers.hashes)
    ordered = hashes["hash"].sort()  # a sort finds repeats faster than a hash table of ten million
    repeated = ordered.filter(ordered == ordered.shift(1))
    if repeated.is_empty() or most <= 0:
        return []
    candidates = hashes.filter(pl.col("hash").is_in(repeated.unique().implode()))[ROW]
    keys = pl.scan_parquet(writers.keys_folder / "*.parquet").filter(pl.col(ROW).is_in(candidates.implode())).collect()
    repeated = (
        keys.with_columns(pl.col(ROW).min().over(KEY).alias("first"))
        .filter(pl.col(ROW) != pl.col("first"))
        .sort(ROW)
        .head(most)
    )
    where = "、".join(letters.get(header, f"（{header}）") for header in ("订单编号", "医疗机构编码"))
    return [
        Problem(ORDER_LINES, row, where, f"订单编号、医疗机构编码与第{first}行重复")
        for row, first in repeated.select(ROW, "first").iter_rows()
    ]

"""Benchmark of `vbp calc` against the targets of docs/calculator.md ("Performance").

Usage: python -m bench.bench_calc [--sizes 10000,100000,1000000] [--rules shanxi] [--keep] [--workdir DIR]

For each size: generate (or reuse) an input workbook, then in fresh child
processes (1) read 品种明细 alone with fastexcel, every column as text, as the
calculator does, and (2) run the real ``vbp calc --timings``. Wall time is
taken around each child, peak memory from the child's own rusage (``wait4``),
phases from what ``vbp calc --timings`` prints. When ``soffice`` is on PATH,
LibreOffice's headless conversion of the largest input is timed beside ours.

Figures only: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "vbp-bench"
PRODUCTS = "品种明细"
PHASES = ("read", "validate", "compute", "write")
_PHASE_LINE = re.compile(r"^(read|validate|compute|write): ([0-9.]+) s$", re.M)
_READ_ALONE_LINE = re.compile(r"^read-alone: ([0-9.]+) s, (\d+) rows$", re.M)

# Targets of docs/calculator.md, for 1,000,000 rows.
TARGET_ROWS = 1_000_000
STRETCH_SECONDS = 6.0
READ_ALONE_RATIO = 1.3
WHOLE_RUN_SECONDS = 20.0
PEAK_MB = 2000.0  # 2 GB, decimal
LIBREOFFICE_TIMEOUT = 3600


@dataclass
class Child:
    """One finished child process: exit code, output, wall time and peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    wall: float
    peak_mb: float


@dataclass
class Result:
    rows: int
    input_mb: float
    read_alone: float | None = None
    read_alone_mb: float | None = None
    phases: dict[str, float] = field(default_factory=dict)
    wall: float | None = None
    peak_mb: float | None = None
    output_mb: float | None = None
    error: str | None = None

    @property
    def core(self) -> float | None:
        """read + validate + compute: what the 1.3× target is about."""
        if not all(phase in self.phases for phase in PHASES[:3]):
            return None
        return sum(self.phases[phase] for phase in PHASES[:3])


def run_child(argv: list[str], *, timeout: float | None = None, cwd: Path = ROOT) -> Child:
    """Run argv to completion; peak memory is that child's (and its descendants') ru_maxrss."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd)  # noqa: S603
        timer = threading.Timer(timeout, process.kill) if timeout else None
        if timer:
            timer.start()
        try:
            # wait4 rather than Popen.wait: it hands back this child's own rusage,
            # so each run's peak is its own whatever ran before it.
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            wall=wall,
            peak_mb=usage.ru_maxrss * 1024 / 1e6,  # Linux reports KiB
        )


def _generator_tag() -> str:
    """A short hash of the generator's source, so a changed generator never reuses an old file."""
    source = (ROOT / "bench" / "generate_workbook.py").read_bytes()
    return hashlib.sha256(source).hexdigest()[:8]


def ensure_input(workdir: Path, rows: int, seed: int, hospitals: int | None) -> tuple[Path, float | None]:
    """The input workbook for rows+seed, reused from workdir when present; and how long generating took."""
    from bench.generate_workbook import generate

    tag = f"h{hospitals}-" if hospitals is not None else ""
    path = workdir / f"input-{rows}-seed{seed}-{tag}{_generator_tag()}.xlsx"
    if path.exists():
        return path, None
    partial = path.with_name(path.stem + ".partial.xlsx")
    started = time.perf_counter()
    generate(partial, rows, seed, hospitals, "xlsx")
    elapsed = time.perf_counter() - started
    os.replace(partial, path)  # a file under the final name is always complete
    return path, elapsed


def read_alone(path: Path) -> None:
    """Child side of the baseline: read 品种明细 with every column as text, into Polars."""
    import fastexcel

    started = time.perf_counter()
    frame = fastexcel.read_excel(path).load_sheet(PRODUCTS, dtypes="string", dtype_coercion="coerce").to_polars()
    elapsed = time.perf_counter() - started
    print(f"read-alone: {elapsed:.3f} s, {frame.height} rows")


def bench_size(rows: int, input_path: Path, output_path: Path, rules: str) -> Result:
    result = Result(rows=rows, input_mb=input_path.stat().st_size / 1e6)

    baseline = run_child([sys.executable, "-m", "bench.bench_calc", "--read-alone", str(input_path)])
    match = _READ_ALONE_LINE.search(baseline.stdout)
    if baseline.returncode == 0 and match:
        result.read_alone, result.read_alone_mb = float(match.group(1)), baseline.peak_mb
    else:
        result.error = f"read-alone failed ({baseline.returncode}): {baseline.stderr.strip()[-2000:]}"
        return result

    calc = run_child(
        [
            sys.executable,
            "-m",
            "vbp.cli",
            "calc",
            str(input_path),
            "-o",
            str(output_path),
            "--rules",
            rules,
            "--timings",
        ]
    )
    if calc.returncode != 0:
        result.error = f"vbp calc failed ({calc.returncode}): {calc.stderr.strip()[-2000:]}"
        return result
    result.phases = {phase: float(seconds) for phase, seconds in _PHASE_LINE.findall(calc.stdout)}
    result.wall, result.peak_mb = calc.wall, calc.peak_mb
    result.output_mb = output_path.stat().st_size / 1e6 if output_path.exists() else None
    return result


def libreoffice(input_path: Path, workdir: Path) -> Child | None:
    """LibreOffice headless converting the input to .xlsx (load + save), or None when not installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    outdir = workdir / "libreoffice"
    outdir.mkdir(parents=True, exist_ok=True)
    profile = workdir / "libreoffice-profile"
    return run_child(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(outdir),
            str(input_path),
        ],
        timeout=LIBREOFFICE_TIMEOUT,
    )


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def table(results: list[Result]) -> str:
    headers = [
        "rows",
        "input MB",
        "read-alone s",
        "read s",
        "validate s",
        "compute s",
        "write s",
        "total wall s",
        "rows/s",
        "peak MB",
        "read-alone peak MB",
        "(read+validate+compute) / read-alone",
    ]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" for _ in headers) + "|"]
    for r in results:
        ratio = r.core / r.read_alone if r.core is not None and r.read_alone else None
        rate = r.rows / r.wall if r.wall else None
        cells = [
            f"{r.rows:,}",
            _fmt(r.input_mb, ".1f"),
            _fmt(r.read_alone, ".2f"),
            *(_fmt(r.phases.get(phase), ".2f") for phase in PHASES),
            _fmt(r.wall, ".2f"),
            _fmt(rate, ",.0f"),
            _fmt(r.peak_mb, ",.0f"),
            _fmt(r.read_alone_mb, ",.0f"),
            _fmt(ratio, ".2f") + ("×" if ratio is not None else ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(results: list[Result]) -> str:
    at = next((r for r in results if r.rows == TARGET_ROWS and r.wall is not None), None)
    if at is None:
        return f"Targets (docs/calculator.md) are for {TARGET_ROWS:,} rows: not run."

    def verdict(ok: bool) -> str:
        return "met" if ok else "not met"

    core, ratio = at.core, (at.core / at.read_alone if at.core is not None and at.read_alone else None)
    lines = [f"Targets (docs/calculator.md, {TARGET_ROWS:,} rows):"]
    if core is not None and ratio is not None:
        lines.append(
            f"  read+validate+compute {core:6.2f} s: {ratio:.2f}× read-alone "
            f"(target ≈ {READ_ALONE_RATIO}×: {verdict(ratio <= READ_ALONE_RATIO)}); "
            f"stretch ≤ {STRETCH_SECONDS:g} s: {verdict(core <= STRETCH_SECONDS)}"
        )
    whole, peak = verdict(at.wall <= WHOLE_RUN_SECONDS), verdict(at.peak_mb <= PEAK_MB)
    lines.append(f"  whole run             {at.wall:6.2f} s: ≤ {WHOLE_RUN_SECONDS:g} s: {whole}")
    lines.append(f"  peak memory           {at.peak_mb:6.0f} MB: ≤ 2 GB: {peak}")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(
            int(line.split()[1]) * 1024 / 1e9
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    except (OSError, StopIteration, ValueError):
        memory = None
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}" for name in ("polars", "fastexcel", "rustpy-xlsxwriter")
    )
    ram = f", {memory:.1f} GB RAM" if memory else ""
    return f"{cpu}, {os.cpu_count()} cores{ram}; Python {platform.python_version()}; {versions}"


def _sizes(text: str) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        scale = {"k": 1_000, "m": 1_000_000}.get(part[-1:], 1)
        number = part[:-1] if scale > 1 else part
        if not number.isdigit() or int(number) * scale <= 0:
            raise argparse.ArgumentTypeError(f"not a row count: {part!r}")
        sizes.append(int(number) * scale)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark `vbp calc` (docs/calculator.md, Performance).")
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="comma-separated row counts (10000,100k,1M); default 10000,100000,1000000",
    )
    parser.add_argument("--rules", default="shanxi", help="rule set passed to vbp calc (default shanxi)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--hospitals", type=int, default=None, help="generator hospital count (default rows/400)")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=DEFAULT_WORKDIR,
        help=f"where inputs are cached and outputs written (default {DEFAULT_WORKDIR})",
    )
    parser.add_argument("--keep", action="store_true", help="keep the output workbooks (inputs are always cached)")
    parser.add_argument("--read-alone", type=Path, help=argparse.SUPPRESS)  # child side of the baseline
    args = parser.parse_args(argv)

    if args.read_alone is not None:
        read_alone(args.read_alone)
        return 0

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {machine()}")
    print(f"Rules: {args.rules}; workdir: {workdir}")
    results, written, inputs = [], [], {}
    for rows in sorted(set(args.sizes)):
        input_path, generated = ensure_input(workdir, rows, args.seed, args.hospitals)
        inputs[rows] = input_path
        how = f"generated in {generated:.1f} s" if generated is not None else "cached"
        print(f"{rows:>9,} rows: input {input_path.name} ({input_path.stat().st_size / 1e6:.1f} MB, {how})", flush=True)
        output_path = workdir / f"output-{rows}-{args.rules.replace('/', '_')}.xlsx"
        result = bench_size(rows, input_path, output_path, args.rules)
        if output_path.exists():
            written.append(output_path)
        if result.error:
            print(f"{rows:>9,} rows: {result.error}", file=sys.stderr, flush=True)
        else:
            print(
                f"{rows:>9,} rows: wall {result.wall:.2f} s, peak {result.peak_mb:,.0f} MB, "
                f"output {_fmt(result.output_mb, '.1f')} MB",
                flush=True,
            )
        results.append(result)

    print()
    print(table(results))
    print()
    print(targets(results))

    largest = max(results, key=lambda r: r.rows)
    office = libreoffice(inputs[largest.rows], workdir)
    if office is None:
        print("LibreOffice not installed")
    elif office.returncode != 0:
        print(f"LibreOffice ({largest.rows:,} rows) failed ({office.returncode}): {office.stderr.strip()[-500:]}")
    else:
        ours = f"; vbp calc {largest.wall:.2f} s, {largest.peak_mb:,.0f} MB" if largest.wall else ""
        print(
            f"LibreOffice headless load + save as .xlsx ({largest.rows:,} rows, no formulas to recalculate): "
            f"{office.wall:.2f} s wall, peak {office.peak_mb:,.0f} MB{ours}"
        )
        written.extend((workdir / "libreoffice").glob("*.xlsx"))

    if args.keep:
        print(f"Kept: {', '.join(str(path) for path in written) or 'nothing'}")
    else:
        for path in written:
            path.unlink(missing_ok=True)
        shutil.rmtree(workdir / "libreoffice-profile", ignore_errors=True)
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())

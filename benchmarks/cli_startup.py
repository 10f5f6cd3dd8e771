"""How long `ukm-bot ask` takes from start to answer (target: under 1.5 s).

    python benchmarks/cli_startup.py [--runs 7]

Runs the installed command in a fresh temporary folder: the first run also builds the
knowledge tables into a new database; later runs reuse it. Prints the first run and the
median of the others, beside a same-run baseline: `python -c pass`, the cost of starting
any Python program on this machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("ukm-bot") or str(Path(sys.executable).with_name("ukm-bot"))
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        ask = [exe, "ask", "berapa jumlah ukm di tangsel?"]
        first = timed(ask, cwd)
        warm = [timed(ask, cwd) for _ in range(args.runs)]
        python = [timed([sys.executable, "-c", "pass"], cwd) for _ in range(args.runs)]
    print(f"ukm-bot ask, first run (builds the database): {first:.2f} s")
    print(f"ukm-bot ask, median of {args.runs}: {statistics.median(warm):.2f} s (target < 1.5 s)")
    print(f"baseline, python -c pass: {statistics.median(python):.2f} s")


if __name__ == "__main__":
    main()

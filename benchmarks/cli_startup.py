"""How long `ukm-bot ask` takes from start to answer (target: under 0.5 s).

    python benchmarks/cli_startup.py [--runs 7] [--baseline REV]

Runs the installed command in a fresh temporary folder: the first run also builds the
knowledge tables into a new database; later runs reuse it. Prints the first run and the
median of the others, beside a same-run baseline: `python -c pass`, the cost of starting
any Python program on this machine. With --baseline REV (a git revision, e.g. main), the
code of REV answers the same question too, each in its own folder, the runs of the two
interleaved; both are started the same way (`python -c` with the code first on the path).
`python -X importtime -m bot ask …` shows where the time of one start goes.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "berapa jumlah ukm di tangsel?"
LAUNCH = "import sys; sys.path.insert(0, sys.argv.pop(1)); from bot.cli import main; main()"


def timed(cmd: list[str], cwd: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_PATH"}
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def unpack(revision: str, into: Path) -> None:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "bot", "knowledge"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", metavar="REV", help="also time this git revision")
    args = parser.parse_args()
    exe = shutil.which("ukm-bot") or str(Path(sys.executable).with_name("ukm-bot"))
    with tempfile.TemporaryDirectory() as tmp:
        folders = {name: Path(tmp) / name for name in ("installed", "this", "baseline")}
        for folder in folders.values():
            folder.mkdir()
        commands = {"installed": [exe, "ask", QUESTION]}
        if args.baseline:
            code = Path(tmp) / "code"
            unpack(args.baseline, code)
            launch = [sys.executable, "-c", LAUNCH]
            commands["this"] = [*launch, str(ROOT), "ask", QUESTION]
            commands["baseline"] = [*launch, str(code), "ask", QUESTION]
        first = {name: timed(cmd, folders[name]) for name, cmd in commands.items()}
        warm: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, cmd in commands.items():
                warm[name].append(timed(cmd, folders[name]))
        python = [timed([sys.executable, "-c", "pass"], Path(tmp)) for _ in range(args.runs)]
    print(f"ukm-bot ask, first run (builds the database): {first['installed']:.2f} s")
    median = statistics.median(warm["installed"])
    print(f"ukm-bot ask, median of {args.runs}: {median:.2f} s (target < 0.5 s)")
    if args.baseline:
        for name, label in (("this", "this code"), ("baseline", args.baseline)):
            print(
                f"  python -c, {label}: first run {first[name]:.2f} s, median of {args.runs} "
                f"{statistics.median(warm[name]):.2f} s"
            )
    print(f"baseline, python -c pass: {statistics.median(python):.2f} s")


if __name__ == "__main__":
    main()

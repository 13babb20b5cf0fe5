"""`make bench`: run every benchmark module in this folder and save its result table.

A benchmark is a module `bench/bench_<name>.py` with a `run() -> str` function that returns
a Markdown table; the table is printed and saved to `bench/results/<name>.md`. Timings are
reported as ratios against a baseline measured in the same run, never as absolute targets.
"""

import importlib
import pkgutil
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def main(selected: list[str]) -> int:
    names = sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.startswith("bench_")
    )
    if selected:
        names = [name for name in names if name.removeprefix("bench_") in selected]
    if not names:
        print("No benchmarks to run.")
        return 0
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        table = importlib.import_module(f"bench.{name}").run()
        print(f"\n## {name}\n\n{table}")
        (RESULTS / f"{name.removeprefix('bench_')}.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""One look at a file as `import_create` takes it (the checks, then the preview), in a process
of its own so its time and peak memory are its own:
`python -m bench.hostile_import_job PATH KIND [--open-only | --idle]`, printing JSON.

`--open-only` opens an xlsx the way openpyxl does without the import's checks (what a
hostile workbook cost before them); `--idle` only starts Django, the memory every job starts
from."""

import json
import sys
import time

from bench import harness
from bench.import_job import peak_memory_mb


def main(path: str, kind: str, mode: str) -> dict:
    harness.setup_django()
    from backoffice.actors import Actor
    from backoffice.exceptions import DomainError
    from imports.services import import_create

    began = time.perf_counter()
    if mode == "--idle":
        outcome = "Django started"
    elif mode == "--open-only":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        next(sheet.iter_rows(values_only=True))
        outcome = "opened by openpyxl"
    else:
        try:
            with open(path, "rb") as upload:
                batch = import_create(
                    kind=kind, upload=upload, actor=Actor.system("bench"), wait=True
                )
            problems = (batch.preview or {}).get("problem_count", 0)
            outcome = f"{batch.get_status_display()}" + (
                f", {problems:,} problems" if problems else ""
            )
            if batch.message:
                outcome += f": {batch.message[:90]}"
        except DomainError as error:
            outcome = f"refused: {str(error)[:90]}"
    return {
        "seconds": time.perf_counter() - began,
        "peak_mb": peak_memory_mb(),
        "outcome": outcome,
    }


if __name__ == "__main__":
    mode = sys.argv[3] if len(sys.argv) > 3 else ""
    print(json.dumps(main(sys.argv[1], sys.argv[2], mode)))

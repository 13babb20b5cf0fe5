"""Big and hostile import files against a plain one: the time and peak memory of taking each
file in (`import_create`: the archive and size checks, then the preview), each in a process
of its own, as ratios to a valid 10,000-row product file measured in the same run.

The hostile files: an xlsx of 2,000,000 tiny shared strings (0.35 MB-class: tiny to upload;
also opened by openpyxl without the checks, what it cost before them), an xlsx whose sheet
unpacks 1,000 times larger than it packs, one product over 1,000,000 rows (beyond Shopify's
2,048 variants), 1,001 columns, and a 2 MB cell. Memory is the peak above a job that only
starts Django. `imports/limits.py` states the bound this measures."""

import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import harness
from bench.bench_imports import write_catalog_file

BASELINE_ROWS = 10_000
SHARED_STRINGS = 2_000_000
ONE_PRODUCT_ROWS = 1_000_000


def strings_bomb(path: Path, strings: int) -> None:
    from tests.imports.xlsx_files import shared_strings_xlsx

    path.write_bytes(shared_strings_xlsx(strings))


def ratio_bomb(path: Path) -> None:
    from tests.imports.xlsx_files import MAIN, shared_strings_xlsx

    sheet = (
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        "</sheetData></worksheet>"
    ).encode() + b" " * (300 * 2**20)
    path.write_bytes(shared_strings_xlsx(3, sheet_xml=sheet))


def one_product(path: Path, rows: int) -> None:
    with path.open("w", newline="") as target:
        out = csv.writer(target)
        out.writerow(["handle", "title", "option1_name", "option1", "price"])
        for n in range(rows):
            out.writerow(["big", "Big" if n == 0 else "", "N" if n == 0 else "", n, "1.00"])


def wide(path: Path) -> None:
    with path.open("w", newline="") as target:
        out = csv.writer(target)
        out.writerow(["handle", "title", *(f"extra {n}" for n in range(1001))])
        out.writerow(["p", "P"])


def long_cell(path: Path) -> None:
    with path.open("w", newline="") as target:
        csv.writer(target).writerows([["handle", "title", "description"], ["p", "P", "x" * 2**21]])


def measure(path: Path, kind: str, media: str, mode: str = "") -> dict:
    env = {**os.environ, "MEDIA_ROOT": media, "IMPORT_MAX_UPLOAD_MB": "2048"}
    print(f"  {path.name} {mode} …", end=" ", flush=True)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.hostile_import_job",
            str(path),
            kind,
            *([mode] if mode else []),
        ],
        capture_output=True,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(f"{path.name} failed:\n{done.stderr.decode()[-3000:]}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    print(f"{result['seconds']:.1f} s, {result['peak_mb']:.0f} MB", flush=True)
    return result


def run() -> str:
    harness.setup_django()  # the database exists and is migrated before the jobs start
    with tempfile.TemporaryDirectory(prefix="bench-hostile-") as folder:
        root = Path(folder)
        media = str(root / "media")
        files = {
            "baseline": (
                root / "plain-10000.csv",
                "products",
                lambda p: write_catalog_file(p, BASELINE_ROWS),
            ),
            "strings": (
                root / "shared-strings.xlsx",
                "products",
                lambda p: strings_bomb(p, SHARED_STRINGS),
            ),
            "ratio": (root / "unpacks-1000x.xlsx", "products", ratio_bomb),
            "one": (
                root / "one-product-1m-rows.csv",
                "products",
                lambda p: one_product(p, ONE_PRODUCT_ROWS),
            ),
            "wide": (root / "1001-columns.csv", "products", wide),
            "cell": (root / "2mb-cell.csv", "products", long_cell),
        }
        for path, _, write in files.values():
            write(path)
        idle = measure(files["baseline"][0], "products", media, "--idle")
        results = {name: measure(path, kind, media) for name, (path, kind, _) in files.items()}
        opened = measure(files["strings"][0], "products", media, "--open-only")
        sizes = {name: path.stat().st_size for name, (path, _, _) in files.items()}
    return report(idle, results, opened, sizes)


def report(idle, results, opened, sizes) -> str:
    base = results["baseline"]
    base_mb = max(base["peak_mb"] - idle["peak_mb"], 1)

    def row(label, result, size):
        above = max(result["peak_mb"] - idle["peak_mb"], 0)
        return [
            label,
            f"{size / 2**20:,.2f}",
            result["outcome"],
            f"{result['seconds']:.2f}",
            f"{result['seconds'] / base['seconds']:.2g}×",
            f"{above:,.0f}",
            f"{above / base_mb:.2g}×",
        ]

    labels = {
        "baseline": f"valid product file, {BASELINE_ROWS:,} rows (baseline)",
        "strings": f"xlsx of {SHARED_STRINGS:,} shared strings",
        "ratio": "xlsx unpacking 1,000× its size",
        "one": f"one product over {ONE_PRODUCT_ROWS:,} rows",
        "wide": "1,001 columns",
        "cell": "a 2 MB cell",
    }
    rows = [row(labels[name], result, sizes[name]) for name, result in results.items()]
    rows.append(
        row("the same shared strings opened by openpyxl, unchecked", opened, sizes["strings"])
    )
    header = ["file", "MB", "outcome", "s", "× baseline time", "MB above idle", "× baseline memory"]
    note = (
        f"\n\nIdle job (Django started): {idle['peak_mb']:,.0f} MB. Memory is the peak resident "
        "set above it."
    )
    return harness.markdown_table(header, rows) + note

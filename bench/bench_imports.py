"""Import of a generated product file (csv, the native format: one row per variant) of
100,000 variants (`BENCH_IMPORT_ROWS`) into an empty catalog, with history.

Three contenders, each in a process of its own (`bench.import_job`) on the same emptied
database, so time and peak memory are their own: Backoffice's import (preview, then apply),
a stock django-import-export `ModelResource` per model with its defaults (row by row), and a
floor, PostgreSQL `COPY` of the same rows and nothing else. The stock resource is measured on
the file's first `BENCH_IMPORT_STOCK_ROWS` rows (10,000 by default: the whole file would take
it about half an hour), and Backoffice on that prefix too, for a like-for-like ratio.
Backoffice's peak memory is measured again at 1,000,000 variants (`BENCH_IMPORT_BIG_ROWS`, 0
to skip), the preview only when the apply would take more than `BENCH_IMPORT_BIG_APPLY_S`
seconds (estimated from the first file).

The imports run on a database of their own (`BENCH_IMPORTS_DATABASE_URL`, by default the
benchmark database's name with `_imports`), emptied before each job; the files are written
to a temporary folder, as is the storage the import keeps its uploads in (`MEDIA_ROOT`).
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench import harness
from bench.import_job import PRODUCT_COLUMNS, VARIANT_COLUMNS

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
STOCK_ROWS = min(int(os.environ.get("BENCH_IMPORT_STOCK_ROWS", "10000")), ROWS)
BIG_ROWS = int(os.environ.get("BENCH_IMPORT_BIG_ROWS", "1000000"))
BIG_APPLY_SECONDS = float(os.environ.get("BENCH_IMPORT_BIG_APPLY_S", "300"))

# The native format's columns, as the job reads them back for the stock resource and COPY.
COLUMNS = [*PRODUCT_COLUMNS, *VARIANT_COLUMNS]
SIZES = ("S", "M", "L")
COLORS = ("Black", "White")
VENDORS = [f"Vendor {n}" for n in range(40)]
TYPES = ["T-shirt", "Hoodie", "Cap", "Mug", "Poster", "Socks", "Tote bag", "Sticker"]
WORDS = ["soft", "organic", "cotton", "heavy", "classic", "fit", "printed", "recycled", "limited"]


def write_catalog_file(path: Path, rows: int) -> int:
    """`rows` variant rows of products with one to six variants each (3.5 on average):
    the product's fields on its first row only, blank on the others. The same rows in the
    same order whatever `rows` is, so a smaller file is a prefix of a larger one. Returns
    the number of products."""
    import csv

    written, number = 0, 0
    with path.open("w", newline="", encoding="utf-8") as target:
        out = csv.writer(target)
        out.writerow(COLUMNS)
        while written < rows:
            words = [WORDS[(number * 7 + k) % len(WORDS)] for k in range(3)]
            title = f"{' '.join(words).capitalize()} {TYPES[number % len(TYPES)]} {number}"
            product = [
                f"bench-import-{number:07d}",
                title,
                f"<p>{title}: {' '.join(words * 6)}.</p>",
                VENDORS[number % len(VENDORS)],
                TYPES[number % len(TYPES)],
                ", ".join(words[:2]),
                "active" if number % 5 else "draft",
                "Size",
                "Color",
                "",
            ]
            blank = [""] * len(product)
            blank[0] = product[0]
            for k in range(min(1 + number % 6, rows - written)):
                price = 10 + (number * 13 + k) % 90
                variant = [
                    f"BI-{number:07d}-{k}",
                    SIZES[k % 3],
                    COLORS[k // 3],
                    "",
                    f"{price}.{(number + k) % 100:02d}",
                    f"{price + 10}.00" if number % 3 == 0 else "",
                    f"{price / 2:.2f}",
                    f"0.{200 + k * 25}",
                    "kg",
                    "continue" if number % 7 == 0 else "deny",
                ]
                out.writerow((product if k == 0 else blank) + variant)
                written += 1
            number += 1
    return number


def imports_database_url() -> str:
    explicit = os.environ.get("BENCH_IMPORTS_DATABASE_URL")
    if explicit:
        return explicit
    parts = urlsplit(os.environ.get("BENCH_DATABASE_URL", harness.DEFAULT_DATABASE_URL))
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_imports"))


def measure(contender: str, path: Path, media: str, *options: str) -> dict:
    """One job in a child process: seconds per phase, peak memory (MB), what it wrote."""
    env = {
        **os.environ,
        "BENCH_DATABASE_URL": imports_database_url(),
        "MEDIA_ROOT": media,
        # A million rows is a bigger file than a merchant may upload by default.
        "IMPORT_MAX_UPLOAD_MB": "2048",
    }
    env.pop("BENCH_IMPORT_PROFILE", None)
    profile = os.environ.get("BENCH_IMPORT_PROFILE")
    if profile:  # one profile per job, e.g. /tmp/imports-backoffice-100000.prof
        env["BENCH_IMPORT_PROFILE"] = f"{profile}-{contender}-{path.stem}.prof"
    print(f"  {contender}, {path.name} …", end=" ", flush=True)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_job", contender, str(path), *options],
        capture_output=True,
        env=env,
    )
    if done.returncode:
        raise RuntimeError(f"{contender} on {path.name} failed:\n{done.stderr.decode()[-3000:]}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    print(f"{time.perf_counter() - began:.0f} s", flush=True)
    return result


def rate(rows: int, result: dict, phase: str) -> float | None:
    seconds = result["seconds"].get(phase)
    return rows / seconds if seconds else None


def check_wrote(result: dict, rows: int, products: int, name: str, history: bool) -> None:
    counts = result["counts"]
    wanted = {"products": products, "variants": rows}
    if history:
        wanted |= {"product_history": products, "variant_history": rows}
    for key, value in wanted.items():
        if counts[key] != value:
            raise RuntimeError(f"{name} wrote {counts[key]:,} {key}, not {value:,}")


def run() -> str:
    # The parent only writes files and starts jobs: the jobs run Django on their own database.
    harness._create_database(imports_database_url())
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as folder:
        root = Path(folder)
        media = str(root / "media")
        main_file, stock_file = root / f"{ROWS}.csv", root / f"{STOCK_ROWS}.csv"
        products = write_catalog_file(main_file, ROWS)
        stock_products = write_catalog_file(stock_file, STOCK_ROWS)
        print(f"Importing {ROWS:,} variants ({products:,} products) …", flush=True)

        mine = measure("backoffice", main_file, media)
        check_wrote(mine, ROWS, products, "Backoffice", history=True)
        floor = measure("copy", main_file, media)
        check_wrote(floor, ROWS, products, "COPY", history=False)
        stock = measure("stock", stock_file, media)
        check_wrote(stock, STOCK_ROWS, stock_products, "the stock resource", history=True)
        mine_small = mine
        if STOCK_ROWS != ROWS:
            mine_small = measure("backoffice", stock_file, media)
            check_wrote(mine_small, STOCK_ROWS, stock_products, "Backoffice", history=True)

        big, big_apply = None, False
        if BIG_ROWS:
            big_file = root / f"{BIG_ROWS}.csv"
            write_catalog_file(big_file, BIG_ROWS)
            estimate = mine["seconds"]["apply"] * BIG_ROWS / ROWS
            big_apply = estimate <= BIG_APPLY_SECONDS
            big = measure("backoffice", big_file, media, *([] if big_apply else ["--preview-only"]))
            big_file.unlink()

    return report(mine, mine_small, stock, floor, big, big_apply, products)


def report(mine, mine_small, stock, floor, big, big_apply, products) -> str:
    def rates(result, rows):
        preview, apply = rate(rows, result, "preview"), rate(rows, result, "apply")
        total = rows / sum(result["seconds"].values())
        return preview, apply, total

    def number(value) -> str:
        return f"{value:,.0f}" if value else "—"

    def ratio(a, b) -> str:
        if not (a and b):
            return "—"
        value = a / b
        return f"{value:.0f}×" if value >= 10 else f"{value:.2g}×"

    table_rows = []
    measured = [
        ("Backoffice", mine, ROWS),
        ("COPY floor (products, variants; nothing else)", floor, ROWS),
    ]
    if STOCK_ROWS != ROWS:
        measured.append((f"Backoffice, first {STOCK_ROWS:,} rows", mine_small, STOCK_ROWS))
    measured.append(
        (f"stock ModelResource, first {STOCK_ROWS:,} rows", stock, STOCK_ROWS)
        if STOCK_ROWS != ROWS
        else ("stock ModelResource", stock, ROWS)
    )
    for name, result, rows in measured:
        preview, apply, total = rates(result, rows)
        table_rows.append(
            [
                name,
                f"{rows:,}",
                number(preview),
                number(apply),
                number(total),
                f"{result['peak_mb']:.0f}",
            ]
        )
    b_preview, b_apply, b_total = rates(mine, ROWS)
    s_preview, s_apply, s_total = rates(stock, STOCK_ROWS)
    bs_preview, bs_apply, bs_total = rates(mine_small, STOCK_ROWS)
    _, f_apply, _ = rates(floor, ROWS)
    same = "" if STOCK_ROWS == ROWS else f" (both on the first {STOCK_ROWS:,} rows)"
    table_rows += [
        [
            f"Backoffice ÷ stock ModelResource{same}",
            "",
            ratio(bs_preview, s_preview),
            ratio(bs_apply, s_apply),
            ratio(bs_total, s_total),
            "",
        ],
        [
            "Backoffice ÷ COPY floor",
            "",
            ratio(b_preview, f_apply),
            ratio(b_apply, f_apply),
            ratio(b_total, f_apply),
            "",
        ],
    ]
    if STOCK_ROWS != ROWS:
        table_rows.insert(
            -1,
            [
                f"Backoffice ({ROWS:,} rows) ÷ stock ModelResource ({STOCK_ROWS:,} rows)",
                "",
                ratio(b_preview, s_preview),
                ratio(b_apply, s_apply),
                ratio(b_total, s_total),
                "",
            ],
        )
    speed = harness.markdown_table(
        ["contender", "variant rows", "preview rows/s", "apply rows/s", "both rows/s", "peak MB"],
        table_rows,
    )
    title = (
        f"Import of a generated product file (csv, native format, {ROWS:,} variants of "
        f"{products:,} products) into an empty catalog, PostgreSQL, DEBUG off, history on. "
        "Rows are variant rows of the file; each contender runs in its own process (peak MB "
        "is its high-water mark of resident memory, Django included) on the same emptied "
        "database. The stock resource is django-import-export's `ModelResource` per model, "
        "defaults (row by row, diffs kept), as its admin does it: the products previewed "
        "(`dry_run`) and imported, then the variants previewed and imported"
        + (
            f"; it is measured on the file's first {STOCK_ROWS:,} rows (the whole file would "
            f"take it ~{sum(stock['seconds'].values()) * ROWS / STOCK_ROWS / 60:.0f} min at "
            "that rate)"
            if STOCK_ROWS != ROWS
            else ""
        )
        + ". The floor has no preview; a Backoffice preview is compared with its load.\n\n"
    )
    if not big:
        return title + speed
    if big_apply:
        whole = "peak, preview and apply"
    else:
        estimate = mine["seconds"]["apply"] * BIG_ROWS / ROWS / 60
        whole = (
            f"peak, preview and apply (at {BIG_ROWS:,}: the preview only, the apply would "
            f"take ~{estimate:.0f} min)"
        )

    def speeds(result, rows):
        return f"{number(rate(rows, result, 'preview'))} / {number(rate(rows, result, 'apply'))}"

    memory = harness.markdown_table(
        ["Backoffice", f"{ROWS:,} variants", f"{BIG_ROWS:,} variants", "ratio"],
        [
            [
                whole,
                f"{mine['peak_mb']:.0f} MB",
                f"{big['peak_mb']:.0f} MB",
                f"{big['peak_mb'] / mine['peak_mb']:.2f}×",
            ],
            [
                "peak when the preview ended",
                f"{mine['peak_mb_after']['preview']:.0f} MB",
                f"{big['peak_mb_after']['preview']:.0f} MB",
                f"{big['peak_mb_after']['preview'] / mine['peak_mb_after']['preview']:.2f}×",
            ],
            [
                "the process before the import (Django)",
                f"{mine['started_mb']:.0f} MB",
                f"{big['started_mb']:.0f} MB",
                "",
            ],
            ["rows/s, preview / apply", speeds(mine, ROWS), speeds(big, BIG_ROWS), ""],
        ],
    )
    return title + speed + "\n\n" + memory

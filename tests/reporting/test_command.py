"""`manage.py run_report`: the same report, written to a file synchronously; bad input is a
clear error and leaves no file."""

import csv
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from reporting.reports import CATALOGUE, Parameters


def run_report(*args) -> str:
    output = StringIO()
    call_command("run_report", *args, stdout=output)
    return output.getvalue()


def test_the_command_writes_the_csv_of_the_report(trading, tmp_path):
    target = tmp_path / "summary.csv"
    start, end = trading.first_day.isoformat(), trading.last_day.isoformat()
    said = run_report(
        "sales_summary", "--start", start, "--end", end, "--format", "csv", "--output", str(target)
    )
    expected = list(
        CATALOGUE["sales_summary"].rows(Parameters(start=trading.first_day, end=trading.last_day))
    )
    with target.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows[0][:3] == ["Period", "Channel", "Orders"]
    assert [row[:3] for row in rows[1:]] == [
        [row[0].isoformat(), row[1], str(row[2])] for row in expected
    ]
    assert said == f"Sales summary, {start} to {end}: {len(expected)} rows → {target}\n"
    assert [path.name for path in tmp_path.iterdir()] == ["summary.csv"]  # no temporary left


def test_the_command_writes_an_xlsx_of_one_channel_by_month(trading, tmp_path):
    target = tmp_path / "summary.xlsx"
    run_report(
        "sales_summary",
        "--start",
        trading.first_day.isoformat(),
        "--end",
        trading.last_day.isoformat(),
        "--channel",
        str(trading.catalog.stall.pk),
        "--grouping",
        "month",
        "--output",
        str(target),
    )
    book = openpyxl.load_workbook(target)
    rows = list(book["Sales summary"].iter_rows(min_row=2, values_only=True))
    assert {row[1] for row in rows[:-1]} == {"Market stall"}
    assert rows[-1][0] == "Total" and rows[-1][2] == 2  # the Stripe order and yesterday's
    parameters = {row[0]: row[1] for row in book["Parameters"].iter_rows(values_only=True)}
    assert (parameters["Channel"], parameters["Grouping"], parameters["Requested by"]) == (
        "Market stall",
        "month",
        "command line",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--start", "2026-13-01", "--end", "2026-12-31"],
            "'2026-13-01' is not a date like 2026-01-31.",
        ),
        (
            ["--start", "2026-01-01", "--end", "31/01/2026"],
            "'31/01/2026' is not a date like 2026-01-31.",
        ),
        (
            ["--start", "2026-02-01", "--end", "2026-01-31"],
            "The period ends (2026-01-31) before it starts (2026-02-01).",
        ),
        (
            ["--start", "2026-01-01", "--end", "2026-01-31", "--channel", "999"],
            "There is no channel with the id 999.",
        ),
        (
            ["--start", "2026-01-01", "--end", "2026-01-31", "--format", "pdf"],
            "argument --format: invalid choice: 'pdf'",
        ),
    ],
)
def test_bad_input_is_a_clear_error_and_no_file(db, tmp_path, args, message):
    target = tmp_path / "report.xlsx"
    with pytest.raises(CommandError) as refused:
        run_report("tax_summary", *args, "--output", str(target))
    assert message in str(refused.value)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_report_is_a_clear_error_and_no_file(db, tmp_path):
    target = tmp_path / "report.csv"
    with pytest.raises(CommandError, match="argument kind: invalid choice: 'profits'"):
        run_report(
            "profits", "--start", "2026-01-01", "--end", "2026-01-31", "--output", str(target)
        )
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_does_not_exist_is_a_clear_error(db, tmp_path):
    target = tmp_path / "missing" / "report.csv"
    with pytest.raises(CommandError, match=f"Cannot write {target}: the folder .* does not exist."):
        run_report(
            "low_stock", "--start", "2026-01-01", "--end", "2026-01-31", "--output", str(target)
        )
    assert list(tmp_path.iterdir()) == []

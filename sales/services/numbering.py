"""Gapless document numbers: INV-2026-000001, INV-2026-000002, … per series and year."""

from django.db import transaction

from sales.models import DocumentSequence


def next_document_number(*, series: str, year: int) -> tuple[int, str]:
    """Take the next number of `series` in `year`: (sequence, formatted number).

    Must run inside the transaction that saves the document. The sequence row stays locked
    until that transaction ends, so concurrent issues queue up, and a rollback gives the
    number back: no gaps, no duplicates.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_document_number must run inside the issuing transaction")
    DocumentSequence.objects.get_or_create(series=series, year=year)
    sequence = DocumentSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number, f"{series}-{year}-{sequence.last_number:06d}"

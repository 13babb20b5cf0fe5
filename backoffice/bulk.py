"""Loading many new rows fast, with their history.

On PostgreSQL new rows take their ids from the table's own sequence and are loaded with
`COPY`, with their history rows ("+", the batch's user and reason) loaded the same way:
Django's `bulk_create` spends most of its time compiling one parameter per cell, `COPY` none.
Elsewhere (the embedded SQLite) it falls back on simple-history's `bulk_create_with_history`.
Rows loaded this way send no signals: the callers log what the storefront feed must hear."""

from collections.abc import Sequence

from django.db import connection, models, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.utils import (
    bulk_create_with_history,
    get_history_manager_for_model,
    get_history_model_for_model,
)

BATCH = 500


def _copy(model: type[Model], columns: list[str], rows) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def _next_ids(model: type[Model], count: int) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _converters(fields) -> list:
    """How each field's value goes to `COPY`: psycopg adapts text, numbers, decimals, dates
    and booleans as Python holds them; files and JSON need Django's conversion."""
    needs_django = (models.FileField, models.JSONField)
    return [
        (lambda v, f=field: f.get_db_prep_save(v, connection))
        if isinstance(field, needs_django)
        else None
        for field in fields
    ]


def _converted(values, converters) -> list:
    return [v if c is None else c(v) for v, c in zip(values, converters, strict=True)]


def insert_with_history(objects: Sequence[Model], model: type[Model], *, user, reason: str) -> None:
    """Insert new `objects` (their ids set on them) and a "+" history row for each."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        created = bulk_create_with_history(
            objects, model, batch_size=BATCH, default_user=user, default_change_reason=reason
        )
        for instance, saved in zip(objects, created, strict=True):
            instance.pk = saved.pk
        return
    for instance, pk in zip(objects, _next_ids(model, len(objects)), strict=True):
        instance.pk = pk
        # What save() does first: a related object saved since it was set gives its id.
        instance._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    fields = model._meta.concrete_fields
    converters = _converters(fields)
    # pre_save fills what the database would (auto_now times) on the instance too.
    rows = (_converted([f.pre_save(o, True) for f in fields], converters) for o in objects)
    _copy(model, [f.column for f in fields], rows)
    for instance in objects:
        instance._state.adding, instance._state.db = False, connection.alias
    history_write(objects, model, user=user, reason=reason, kind="+")


def history_write(objects: Sequence[Model], model: type[Model], *, user, reason: str, kind: str):
    """History rows of `kind` ("+" created, "~" changed) for rows already written."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        get_history_manager_for_model(model).bulk_history_create(
            objects,
            batch_size=BATCH,
            update=kind == "~",
            default_user=user,
            default_change_reason=reason,
        )
        return
    history = get_history_model_for_model(model)
    kept = {f.attname for f in history._meta.concrete_fields}  # less the history's exclusions
    own = [f for f in model._meta.concrete_fields if f.attname in kept]
    columns = [history._meta.get_field(f.attname).column for f in own]
    columns += ["history_date", "history_change_reason", "history_type", "history_user_id"]
    when, user_id, reason = timezone.now(), getattr(user, "pk", None), reason[:100]
    converters = _converters(own)
    tail = [when, reason, kind, user_id]
    rows = (_converted([getattr(o, f.attname) for f in own], converters) + tail for o in objects)
    _copy(history, columns, rows)


def insert_plain(model: type[Model], rows: list[dict]) -> None:
    """Rows without history (import items, change log entries), given as {field: value}
    dicts with every field but the id: `COPY` on PostgreSQL, `bulk_create` elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create((model(**row) for row in rows), batch_size=2000)
        return
    fields = [model._meta.get_field(name) for name in rows[0]]
    columns = [field.column for field in fields if isinstance(field, models.Field)]
    if len(columns) != len(fields):
        raise ValueError(f"only concrete fields can be copied into {model._meta.label}")
    converters = _converters(fields)
    _copy(
        model,
        columns,
        (_converted(row.values(), converters) for row in rows),
    )


def update_with_history(objects: Sequence[Model], model: type[Model], fields, *, user, reason: str):
    """Write `fields` of changed rows, and a "~" history row for each. On PostgreSQL the new
    values are copied into a temporary table and applied by one UPDATE … FROM: Django's
    `bulk_update` builds a CASE per field and row, which grows slow with thousands of rows."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(objects, list(fields), batch_size=BATCH)
    else:
        _update_from_copy(objects, model, [model._meta.get_field(name) for name in fields])
    history_write(objects, model, user=user, reason=reason, kind="~")


def _update_from_copy(objects: Sequence[Model], model: type[Model], fields) -> None:
    # Every name below comes from the model's metadata, quoted; values go through COPY.
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), model._meta.pk
    key = quote(pk.column)
    listed = ", ".join(quote(c) for c in [pk.column, *(f.column for f in fields)])
    assignments = ", ".join(f"{quote(f.column)} = u.{quote(f.column)}" for f in fields)
    converters = _converters([pk, *fields])
    # In a savepoint: a failure rolls the temporary table back with everything else.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE bulk_update_rows AS SELECT {listed} FROM {table} WITH NO DATA"  # noqa: S608
        )
        with cursor.cursor.copy(f"COPY bulk_update_rows ({listed}) FROM STDIN") as copy:
            for instance in objects:
                values = [getattr(instance, f.attname) for f in (pk, *fields)]
                copy.write_row(_converted(values, converters))
        cursor.execute(
            f"UPDATE {table} AS t SET {assignments} FROM bulk_update_rows AS u "  # noqa: S608
            f"WHERE t.{key} = u.{key}"
        )
        cursor.execute("DROP TABLE bulk_update_rows")

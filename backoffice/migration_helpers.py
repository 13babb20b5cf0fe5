"""Helpers for migrations that only some database engines need."""


def on_postgresql(sql: str):
    """A RunPython function that executes `sql` on PostgreSQL and does nothing elsewhere
    (triggers and functions written in PL/pgSQL)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # None: a literal % needs no escaping

    return run


def append_only_trigger_sql(table: str, message: str) -> tuple[str, str]:
    """(create, drop) SQL for a trigger that refuses UPDATE and DELETE on `table`."""
    function = f"{table}_append_only"
    create = f"""
CREATE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{message}: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {function}
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {function} ON {table};
DROP FUNCTION IF EXISTS {function}();
"""
    return create, drop

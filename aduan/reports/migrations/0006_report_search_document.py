"""The stored full-text search document of a report, on PostgreSQL only.

A `search_document tsvector` column, kept current by a trigger from the title (weight
A) and body (weight B) with the Indonesian configuration, and a GIN index on it. The
column is not a model field: Django never reads or writes it, and on SQLite nothing is
created (ReportQuerySet.search falls back to word matching there). A trigger rather
than a generated column, so later migrations may still change the type of title/body.
"""

from django.db import migrations

DOCUMENT = (
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce({row}title, '')), 'A') || "
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce({row}body, '')), 'B')"
)

FORWARD = [
    "ALTER TABLE reports_report ADD COLUMN search_document tsvector",
    f"""
    CREATE FUNCTION aduan_report_search_document() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_document := {DOCUMENT.format(row="NEW.")};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER report_search_document
    BEFORE INSERT OR UPDATE OF title, body ON reports_report
    FOR EACH ROW EXECUTE FUNCTION aduan_report_search_document()
    """,
    f"UPDATE reports_report SET search_document = {DOCUMENT.format(row='')}",
    "CREATE INDEX report_search_document ON reports_report USING gin (search_document)",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS report_search_document ON reports_report",
    "DROP FUNCTION IF EXISTS aduan_report_search_document()",
    "ALTER TABLE reports_report DROP COLUMN IF EXISTS search_document",
]


def _run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_report_report_status_due_report_report_due_soonest"),
    ]

    operations = [
        migrations.RunPython(_run_on_postgresql(FORWARD), _run_on_postgresql(BACKWARD)),
    ]

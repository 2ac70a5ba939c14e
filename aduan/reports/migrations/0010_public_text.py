"""Each report's title and body as the public sees them, for the public search.

Public search (feed, map, open data) matched the text as written, so a search for a
masked name or email address told which report held it. It now matches the masked text,
stored beside the original (`aduan.reports.privacy.set_public_text`), and on PostgreSQL
its own `public_search_document` tsvector, kept by a trigger as in migration 0006.
"""

from django.db import migrations, models

DOCUMENT = (
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce({row}public_title, '')), 'A') || "
    "setweight(to_tsvector('pg_catalog.indonesian', coalesce({row}public_body, '')), 'B')"
)

FORWARD = [
    "ALTER TABLE reports_report ADD COLUMN public_search_document tsvector",
    f"""
    CREATE FUNCTION aduan_report_public_search_document() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.public_search_document := {DOCUMENT.format(row="NEW.")};
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER report_public_search_document
    BEFORE INSERT OR UPDATE OF public_title, public_body ON reports_report
    FOR EACH ROW EXECUTE FUNCTION aduan_report_public_search_document()
    """,
    f"UPDATE reports_report SET public_search_document = {DOCUMENT.format(row='')}",
    # Each row was updated twice in this transaction (the public copy, then its search
    # document), which queues the checks of the deferred foreign keys until the commit;
    # PostgreSQL creates no index on a table with checks pending, so they run now.
    "SET CONSTRAINTS ALL IMMEDIATE",
    "CREATE INDEX report_public_search_document ON reports_report "
    "USING gin (public_search_document)",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS report_public_search_document ON reports_report",
    "DROP FUNCTION IF EXISTS aduan_report_public_search_document()",
    "ALTER TABLE reports_report DROP COLUMN IF EXISTS public_search_document",
]


def mask_existing_reports(apps, schema_editor):
    from aduan.reports.privacy import refresh_public_text

    refresh_public_text(apps.get_model("reports", "Report").objects.all())


def _run_on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_urgency_flags"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="public_body",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="report",
            name="public_title",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(mask_existing_reports, migrations.RunPython.noop),
        migrations.RunPython(_run_on_postgresql(FORWARD), _run_on_postgresql(BACKWARD)),
    ]

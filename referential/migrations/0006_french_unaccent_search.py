"""French, accent-insensitive full-text search (referential/search.py), on PostgreSQL only:
the ``unaccent`` extension and a ``french_unaccent`` text search configuration (French stemming
of unaccented words). SQLite needs nothing: it calls Python's folding, registered per connection."""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations

CREATE = """
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
    CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
    ALTER TEXT SEARCH CONFIGURATION french_unaccent
      ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
  END IF;
END $$;
"""
DROP = "DROP TEXT SEARCH CONFIGURATION IF EXISTS french_unaccent;"


class Unaccent(UnaccentExtension):
    """Django's operation, on PostgreSQL only in both directions (its backwards step queries
    ``pg_extension`` whatever the database)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_configuration(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("referential", "0005_requirement_exchange_id_import_mapping")]

    operations = [
        Unaccent(),  # does nothing on other databases
        migrations.RunPython(create_configuration, drop_configuration),
    ]

"""Check stored requirement keys against the rules of referential/keys.py, and say what is wrong.

Nothing is rewritten: a published key is cited as it stands, and two keys that collide need a person
to choose. The migration prints every version holding keys a reader cannot tell apart (``QA 17``,
``qa 17``, ``QA\\u00a017``) and every key with an invisible or URL-unsafe character, so the editors
can fix their drafts (``key_report`` returns the same lines, for tests and a shell).
"""

import unicodedata
from collections import defaultdict

from django.db import migrations


def _identity(key):
    # A copy of referential.keys.key_identity as it stood: a migration must not follow later edits.
    value = unicodedata.normalize("NFC", key or "")
    value = "".join(" " if unicodedata.category(c) == "Zs" else c for c in value)
    return " ".join(part for part in value.split(" ") if part).casefold()


def _has_bad_character(key):
    return any(unicodedata.category(c) in {"Cc", "Cf", "Co", "Cn", "Zl", "Zp"} or c in '/\\?#%"<>`{}|^[]' for c in key)


def key_report(apps) -> list[str]:
    Requirement = apps.get_model("referential", "Requirement")
    by_version = defaultdict(lambda: defaultdict(list))
    lines = []
    rows = Requirement.objects.values_list("version__referential__code", "version__number", "key").order_by("version_id", "pk")
    for code, number, key in rows:
        by_version[(code, number)][_identity(key)].append(key)
        if _has_bad_character(key):
            lines.append(f"{code} v{number} : clé {key!r} contient un caractère invisible ou interdit dans une adresse.")
    for (code, number), identities in by_version.items():
        for keys in identities.values():
            if len(keys) > 1:
                lines.append(f"{code} v{number} : clés indiscernables {', '.join(repr(k) for k in keys)}.")
    return lines


def report_key_collisions(apps, schema_editor):
    for line in key_report(apps):
        print(f"\n  [clés] {line}", end="")


class Migration(migrations.Migration):
    dependencies = [("referential", "0003_level_delay_help")]

    operations = [migrations.RunPython(report_key_collisions, migrations.RunPython.noop, elidable=True)]

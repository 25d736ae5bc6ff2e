"""RIDA links keep the requirement their key named, and follow its lineage from then on.

Existing links get their key in the stored form of referential/keys.py (NFC, spaces collapsed) and
their anchor: the requirement holding that key (as a reader sees it) in the version in force on the
day of the workshop, else in the published version, else in the newest public one, else in the
newest draft. A link whose clean key repeats another link of the same item is a duplicate and goes.
"""

import datetime
import re
import unicodedata

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


# Copies of referential.keys as they stood: a migration must not follow later edits.
def _normalise(key):
    value = unicodedata.normalize("NFC", key or "")
    value = "".join(" " if unicodedata.category(c) == "Zs" else c for c in value)
    return re.sub(" +", " ", value).strip(" ")


def _identity(key):
    return _normalise(key).casefold()


def _number(number):
    return tuple(int(part) for part in re.findall(r"\d+", number))


def anchor_links(apps, schema_editor):
    Link = apps.get_model("workshops", "RidaRequirementLink")
    Version = apps.get_model("referential", "ReferentialVersion")
    Requirement = apps.get_model("referential", "Requirement")
    public = {"consultation", "published", "superseded"}
    frozen = {"published", "superseded"}

    seen = set()
    for link in Link.objects.select_related("rida_item__workshop").order_by("pk"):
        key = _normalise(link.requirement_key)
        identity = (link.rida_item_id, link.referential_id, _identity(key))
        if identity in seen:
            link.delete()
            continue
        seen.add(identity)
        versions = {v.pk: v for v in Version.objects.filter(referential_id=link.referential_id)}
        holding = [
            (rid, versions[vid])
            for rid, other, vid in Requirement.objects.filter(version__referential_id=link.referential_id).values_list("id", "key", "version_id")
            if _identity(other) == _identity(key)
        ]

        def start(version):
            if version.effective_at:
                return version.effective_at
            return timezone.localdate(version.published_at) if version.published_at else datetime.date.min

        held_on = link.rida_item.workshop.held_on
        in_force = max(
            (v for v in versions.values() if v.status in frozen and start(v) <= held_on),
            key=lambda v: (start(v), _number(v.number)),
            default=None,
        )
        anchor = next((rid for rid, v in holding if in_force is not None and v.pk == in_force.pk), None)
        if anchor is None and holding:
            anchor = max(
                holding, key=lambda pair: (pair[1].status in public, pair[1].status == "published", _number(pair[1].number))
            )[0]
        Link.objects.filter(pk=link.pk).update(requirement_key=key, anchor_id=anchor)


class Migration(migrations.Migration):

    dependencies = [
        ('referential', '0007_version_publication_labels'),
        ('workshops', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalridarequirementlink',
            name='anchor',
            field=models.ForeignKey(blank=True, db_constraint=False, help_text="L'exigence que la clé désignait quand le lien a été fait ; le lien suit sa filiation, même si sa clé change.", null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='referential.requirement', verbose_name='exigence désignée'),
        ),
        migrations.AddField(
            model_name='ridarequirementlink',
            name='anchor',
            field=models.ForeignKey(blank=True, help_text="L'exigence que la clé désignait quand le lien a été fait ; le lien suit sa filiation, même si sa clé change.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='rida_links', to='referential.requirement', verbose_name='exigence désignée'),
        ),
        migrations.RunPython(anchor_links, migrations.RunPython.noop),
    ]

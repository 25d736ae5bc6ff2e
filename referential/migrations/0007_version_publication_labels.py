"""Fix the words each version already published prints (see referential/fixed_labels.py).

A version published before this migration gets the labels it printed, rebuilt from the history
django-simple-history keeps of levels, actors and referentials: each as it stood at the version's
publication (its PDF says the same), else as it stands now when no history reaches back that far.
"""

from django.db import migrations, models

LEVEL_WORDS = ("label", "definition", "remediation_delay_days")
ACTOR_WORDS = ("label", "description")
REFERENTIAL_WORDS = ("code", "title", "audience")


def _as_of(history_model, current, when, names):
    """The words of ``current`` as they stood at ``when`` (its last history record until then)."""
    if when is not None:
        record = (
            history_model.objects.filter(id=current.pk, history_date__lte=when)
            .exclude(history_type="-")
            .order_by("-history_date", "-history_id")
            .first()
        )
        if record is not None:
            return {name: getattr(record, name) for name in names}
    return {name: getattr(current, name) for name in names}


def fix_published_labels(apps, schema_editor):
    Version = apps.get_model("referential", "ReferentialVersion")
    Level = apps.get_model("referential", "NonConformityLevel")
    Actor = apps.get_model("referential", "Actor")
    Referential = apps.get_model("referential", "Referential")
    Requirement = apps.get_model("referential", "Requirement")
    HistoricalLevel = apps.get_model("referential", "HistoricalNonConformityLevel")
    HistoricalActor = apps.get_model("referential", "HistoricalActor")
    HistoricalReferential = apps.get_model("referential", "HistoricalReferential")

    levels = list(Level.objects.order_by("rank"))
    for version in Version.objects.filter(status__in=("published", "superseded")):
        when = version.published_at
        referential = Referential.objects.get(pk=version.referential_id)
        actor_ids = set(
            Requirement.actors.through.objects.filter(requirement__version_id=version.pk).values_list("actor_id", flat=True)
        )
        labels = {
            "referential": _as_of(HistoricalReferential, referential, when, REFERENTIAL_WORDS),
            "levels": {str(level.pk): _as_of(HistoricalLevel, level, when, LEVEL_WORDS) for level in levels},
            "actors": {
                str(actor.pk): _as_of(HistoricalActor, actor, when, ACTOR_WORDS)
                for actor in Actor.objects.filter(pk__in=actor_ids)
            },
        }
        # Writing the words of record is the one change a frozen row takes here: past the row's guard.
        Version._base_manager.filter(pk=version.pk).update(publication_labels=labels)


class Migration(migrations.Migration):

    dependencies = [
        ('referential', '0006_french_unaccent_search'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalreferentialversion',
            name='publication_labels',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='libellés figés à la publication'),
        ),
        migrations.AddField(
            model_name='referentialversion',
            name='publication_labels',
            field=models.JSONField(blank=True, default=dict, editable=False, verbose_name='libellés figés à la publication'),
        ),
        migrations.RunPython(fix_published_labels, migrations.RunPython.noop),
    ]

# Workshops moved out of the consultation app (issue 8): their tables are kept as they are; only the
# history of the workshops' referentials, whose table name simple-history derives from the app, is renamed.

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def move_content_types(app_from, app_to, models):
    """Content types (and so permissions and admin log entries) follow the models to their new app."""

    def forwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=app_to, model=model).exists():
                ContentType.objects.filter(app_label=app_from, model=model).update(app_label=app_to)

    def backwards(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            if not ContentType.objects.filter(app_label=app_from, model=model).exists():
                ContentType.objects.filter(app_label=app_to, model=model).update(app_label=app_from)

    return forwards, backwards


WORKSHOP_MODELS = ['workshop', 'workshopdocument', 'agendaitem', 'participant', 'ridaitem', 'ridarequirementlink', 'historicalworkshop', 'historicalworkshopdocument', 'historicalagendaitem', 'historicalparticipant', 'historicalridaitem', 'historicalridarequirementlink', 'historicalworkshop_referentials']


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('consultation', '0002_comment_answer_consultation_comment_consultation_and_more'),
        ('referential', '0003_level_delay_help'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay: only Django's idea of which app owns the models changes.
            state_operations=[
            migrations.CreateModel(
                name='RidaItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(verbose_name='numéro')),
                    ('nature', models.CharField(choices=[('I', 'Information'), ('D', 'Décision'), ('A', 'Action')], max_length=1, verbose_name='nature')),
                    ('object', models.CharField(max_length=250, verbose_name='objet')),
                    ('question', models.TextField(blank=True, help_text='Markdown.', verbose_name='question / remarque')),
                    ('answer', models.TextField(blank=True, help_text='Markdown.', verbose_name='réponse')),
                    ('owner', models.CharField(blank=True, help_text='Actions seulement.', max_length=150, verbose_name='responsable')),
                    ('due_on', models.DateField(blank=True, help_text='Actions seulement.', null=True, verbose_name='échéance')),
                    ('action_status', models.CharField(blank=True, choices=[('open', 'Ouverte'), ('done', 'Réalisée'), ('dropped', 'Abandonnée')], help_text='Actions seulement : ouverte, réalisée ou abandonnée.', max_length=10, verbose_name="statut de l'action")),
                    ('closing_note', models.TextField(blank=True, help_text='Actions seulement.', verbose_name='note de clôture')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                ],
                options={
                    'verbose_name': 'item RIDA',
                    'verbose_name_plural': 'items RIDA',
                    'db_table': 'consultation_ridaitem',
                    'ordering': ['workshop', 'number'],
                },
            ),
            migrations.CreateModel(
                name='AgendaItem',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('label', models.CharField(max_length=300, verbose_name='libellé')),
                    ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='children', to='workshops.agendaitem', verbose_name='point parent')),
                ],
                options={
                    'verbose_name': "point de l'ordre du jour",
                    'verbose_name_plural': 'ordre du jour',
                    'db_table': 'consultation_agendaitem',
                    'ordering': ['workshop', 'parent_id', 'position', 'id'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalWorkshop',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(help_text="Numéro de l'atelier dans la série, par exemple 4 pour « Atelier technique #4 ».", verbose_name='numéro')),
                    ('title', models.CharField(help_text='Par exemple « TF MSSanté – Atelier technique #4 ».', max_length=250, verbose_name='objet')),
                    ('held_on', models.DateField(verbose_name='date de la réunion')),
                    ('kind', models.CharField(choices=[('atelier', 'Atelier'), ('reunion', 'Réunion'), ('webinaire', 'Webinaire'), ('autre', 'Autre')], default='atelier', max_length=20, verbose_name='type de réunion')),
                    ('organiser', models.CharField(help_text="Personne à l'origine de la réunion, qui en assure l'animation.", max_length=150, verbose_name='organisateur')),
                    ('writer', models.CharField(help_text='Personne en charge de la rédaction du compte-rendu.', max_length=150, verbose_name='rédacteur')),
                    ('writer_entity', models.CharField(blank=True, max_length=150, verbose_name='entité du rédacteur')),
                    ('agenda_intro', models.CharField(blank=True, help_text='Phrase qui précède la liste des points abordés.', max_length=500, verbose_name="introduction de l'ordre du jour")),
                    ('summary', models.TextField(blank=True, help_text='Markdown.', verbose_name='compte-rendu synthétique')),
                    ('status', models.CharField(choices=[('draft', 'Brouillon'), ('published', 'Publié')], default='draft', max_length=20, verbose_name='statut')),
                    ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='publié le')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='créé le')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'historical atelier',
                    'verbose_name_plural': 'historical ateliers',
                    'db_table': 'consultation_historicalworkshop',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalRidaRequirementLink',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('requirement_key', models.CharField(help_text='Par exemple « MSS 17 ».', max_length=40, verbose_name="clé de l'exigence")),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('referential', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='referential.referential', verbose_name='référentiel')),
                    ('rida_item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.ridaitem', verbose_name='item RIDA')),
                ],
                options={
                    'verbose_name': 'historical exigence concernée',
                    'verbose_name_plural': 'historical exigences concernées',
                    'db_table': 'consultation_historicalridarequirementlink',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='Workshop',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(help_text="Numéro de l'atelier dans la série, par exemple 4 pour « Atelier technique #4 ».", verbose_name='numéro')),
                    ('title', models.CharField(help_text='Par exemple « TF MSSanté – Atelier technique #4 ».', max_length=250, verbose_name='objet')),
                    ('held_on', models.DateField(verbose_name='date de la réunion')),
                    ('kind', models.CharField(choices=[('atelier', 'Atelier'), ('reunion', 'Réunion'), ('webinaire', 'Webinaire'), ('autre', 'Autre')], default='atelier', max_length=20, verbose_name='type de réunion')),
                    ('organiser', models.CharField(help_text="Personne à l'origine de la réunion, qui en assure l'animation.", max_length=150, verbose_name='organisateur')),
                    ('writer', models.CharField(help_text='Personne en charge de la rédaction du compte-rendu.', max_length=150, verbose_name='rédacteur')),
                    ('writer_entity', models.CharField(blank=True, max_length=150, verbose_name='entité du rédacteur')),
                    ('agenda_intro', models.CharField(blank=True, help_text='Phrase qui précède la liste des points abordés.', max_length=500, verbose_name="introduction de l'ordre du jour")),
                    ('summary', models.TextField(blank=True, help_text='Markdown.', verbose_name='compte-rendu synthétique')),
                    ('status', models.CharField(choices=[('draft', 'Brouillon'), ('published', 'Publié')], default='draft', max_length=20, verbose_name='statut')),
                    ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='publié le')),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créé le')),
                    ('referentials', models.ManyToManyField(blank=True, related_name='workshops', to='referential.referential', verbose_name='référentiels concernés')),
                ],
                options={
                    'verbose_name': 'atelier',
                    'verbose_name_plural': 'ateliers',
                    'db_table': 'consultation_workshop',
                    'ordering': ['-held_on', '-number'],
                },
            ),
            migrations.AddField(
                model_name='ridaitem',
                name='workshop',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rida_items', to='workshops.workshop', verbose_name='atelier'),
            ),
            migrations.CreateModel(
                name='Participant',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('last_name', models.CharField(max_length=100, verbose_name='nom')),
                    ('first_name', models.CharField(blank=True, max_length=100, verbose_name='prénom')),
                    ('entity', models.CharField(blank=True, max_length=150, verbose_name='entité')),
                    ('function', models.CharField(blank=True, max_length=250, verbose_name='fonction')),
                    ('is_organiser', models.BooleanField(default=False, help_text="Marqué d'un renvoi dans la liste des intervenants.", verbose_name='organisateur')),
                    ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': 'intervenant',
                    'verbose_name_plural': 'intervenants',
                    'db_table': 'consultation_participant',
                    'ordering': ['workshop', 'position', 'id'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalWorkshopDocument',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('title', models.CharField(help_text='Par exemple « Support de présentation ».', max_length=250, verbose_name='intitulé')),
                    ('reference', models.CharField(blank=True, help_text='Nom du fichier ou identifiant du document.', max_length=250, verbose_name='référence')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('workshop', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': 'historical document de référence',
                    'verbose_name_plural': 'historical documents de référence',
                    'db_table': 'consultation_historicalworkshopdocument',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalWorkshop_referentials',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('m2m_history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, to='workshops.historicalworkshop')),
                    ('referential', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='referential.referential')),
                    ('workshop', models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.workshop')),
                ],
                options={
                    'verbose_name': 'HistoricalWorkshop_referentials',
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalRidaItem',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('number', models.PositiveIntegerField(verbose_name='numéro')),
                    ('nature', models.CharField(choices=[('I', 'Information'), ('D', 'Décision'), ('A', 'Action')], max_length=1, verbose_name='nature')),
                    ('object', models.CharField(max_length=250, verbose_name='objet')),
                    ('question', models.TextField(blank=True, help_text='Markdown.', verbose_name='question / remarque')),
                    ('answer', models.TextField(blank=True, help_text='Markdown.', verbose_name='réponse')),
                    ('owner', models.CharField(blank=True, help_text='Actions seulement.', max_length=150, verbose_name='responsable')),
                    ('due_on', models.DateField(blank=True, help_text='Actions seulement.', null=True, verbose_name='échéance')),
                    ('action_status', models.CharField(blank=True, choices=[('open', 'Ouverte'), ('done', 'Réalisée'), ('dropped', 'Abandonnée')], help_text='Actions seulement : ouverte, réalisée ou abandonnée.', max_length=10, verbose_name="statut de l'action")),
                    ('closing_note', models.TextField(blank=True, help_text='Actions seulement.', verbose_name='note de clôture')),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='créé le')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('workshop', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': 'historical item RIDA',
                    'verbose_name_plural': 'historical items RIDA',
                    'db_table': 'consultation_historicalridaitem',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalParticipant',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('last_name', models.CharField(max_length=100, verbose_name='nom')),
                    ('first_name', models.CharField(blank=True, max_length=100, verbose_name='prénom')),
                    ('entity', models.CharField(blank=True, max_length=150, verbose_name='entité')),
                    ('function', models.CharField(blank=True, max_length=250, verbose_name='fonction')),
                    ('is_organiser', models.BooleanField(default=False, help_text="Marqué d'un renvoi dans la liste des intervenants.", verbose_name='organisateur')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('workshop', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': 'historical intervenant',
                    'verbose_name_plural': 'historical intervenants',
                    'db_table': 'consultation_historicalparticipant',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalAgendaItem',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('label', models.CharField(max_length=300, verbose_name='libellé')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.agendaitem', verbose_name='point parent')),
                    ('workshop', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': "historical point de l'ordre du jour",
                    'verbose_name_plural': 'historical ordre du jour',
                    'db_table': 'consultation_historicalagendaitem',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.AddField(
                model_name='agendaitem',
                name='workshop',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agenda_items', to='workshops.workshop', verbose_name='atelier'),
            ),
            migrations.CreateModel(
                name='WorkshopDocument',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('title', models.CharField(help_text='Par exemple « Support de présentation ».', max_length=250, verbose_name='intitulé')),
                    ('reference', models.CharField(blank=True, help_text='Nom du fichier ou identifiant du document.', max_length=250, verbose_name='référence')),
                    ('workshop', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='workshops.workshop', verbose_name='atelier')),
                ],
                options={
                    'verbose_name': 'document de référence',
                    'verbose_name_plural': 'documents de référence',
                    'db_table': 'consultation_workshopdocument',
                    'ordering': ['workshop', 'position', 'id'],
                },
            ),
            migrations.CreateModel(
                name='RidaRequirementLink',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('requirement_key', models.CharField(help_text='Par exemple « MSS 17 ».', max_length=40, verbose_name="clé de l'exigence")),
                    ('referential', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rida_links', to='referential.referential', verbose_name='référentiel')),
                    ('rida_item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='requirement_links', to='workshops.ridaitem', verbose_name='item RIDA')),
                ],
                options={
                    'verbose_name': 'exigence concernée',
                    'verbose_name_plural': 'exigences concernées',
                    'db_table': 'consultation_ridarequirementlink',
                    'ordering': ['rida_item', 'referential', 'requirement_key'],
                    'indexes': [models.Index(fields=['referential', 'requirement_key'], name='rida_link_by_key')],
                    'constraints': [models.UniqueConstraint(fields=('rida_item', 'referential', 'requirement_key'), name='rida_link_unique')],
                },
            ),
            migrations.AddConstraint(
                model_name='workshop',
                constraint=models.UniqueConstraint(fields=('number',), name='workshop_number_unique'),
            ),
            migrations.AddConstraint(
                model_name='ridaitem',
                constraint=models.UniqueConstraint(fields=('workshop', 'number'), name='rida_number_unique_in_workshop'),
            ),
            migrations.AddConstraint(
                model_name='ridaitem',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('action_status__in', ['open', 'done', 'dropped']), ('nature', 'A')), models.Q(models.Q(('nature', 'A'), _negated=True), ('action_status', '')), _connector='OR'), name='rida_status_only_on_actions'),
            ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE consultation_historicalworkshop_referentials RENAME TO workshops_historicalworkshop_referentials",
                    "ALTER TABLE workshops_historicalworkshop_referentials RENAME TO consultation_historicalworkshop_referentials",
                ),
            ],
        ),
        migrations.RunPython(*move_content_types("consultation", "workshops", WORKSHOP_MODELS)),
    ]

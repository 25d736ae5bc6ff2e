# Organisations and memberships moved from the consultation app to accounts (issue 8): tables kept.

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


ORGANISATION_MODELS = ['organisation', 'membership', 'historicalorganisation', 'historicalmembership']


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('consultation', '0002_comment_answer_consultation_comment_consultation_and_more'),
        ('accounts', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables stay: only Django's idea of which app owns the models changes.
            state_operations=[
            migrations.CreateModel(
                name='Organisation',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='nom')),
                    ('kind', models.CharField(choices=[('operator', 'Opérateur MSSanté'), ('vendor', 'Éditeur de logiciel'), ('proxy_vendor', 'Éditeur de proxy'), ('institution', 'Institution'), ('other', 'Autre')], max_length=20, verbose_name='type')),
                    ('status', models.CharField(choices=[('pending', 'En attente de validation'), ('approved', 'Validée'), ('refused', 'Refusée'), ('merged', 'Fusionnée')], default='pending', max_length=20, verbose_name='statut')),
                    ('agrees_to_be_named', models.BooleanField(default=False, help_text='Sinon, ses commentaires publiés sont attribués à son seul type (« Un opérateur »).', verbose_name="accepte d'être nommée dans les synthèses")),
                    ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='créée le')),
                    ('merged_into', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='merged', to='accounts.organisation', verbose_name='fusionnée dans')),
                ],
                options={
                    'verbose_name': 'organisation',
                    'verbose_name_plural': 'organisations',
                    'db_table': 'consultation_organisation',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Membership',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('email_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='adresse confirmée le')),
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='membership', to=settings.AUTH_USER_MODEL, verbose_name='utilisateur')),
                    ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='members', to='accounts.organisation', verbose_name='organisation')),
                ],
                options={
                    'verbose_name': 'appartenance',
                    'verbose_name_plural': 'appartenances',
                    'db_table': 'consultation_membership',
                },
            ),
            migrations.CreateModel(
                name='HistoricalOrganisation',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='nom')),
                    ('kind', models.CharField(choices=[('operator', 'Opérateur MSSanté'), ('vendor', 'Éditeur de logiciel'), ('proxy_vendor', 'Éditeur de proxy'), ('institution', 'Institution'), ('other', 'Autre')], max_length=20, verbose_name='type')),
                    ('status', models.CharField(choices=[('pending', 'En attente de validation'), ('approved', 'Validée'), ('refused', 'Refusée'), ('merged', 'Fusionnée')], default='pending', max_length=20, verbose_name='statut')),
                    ('agrees_to_be_named', models.BooleanField(default=False, help_text='Sinon, ses commentaires publiés sont attribués à son seul type (« Un opérateur »).', verbose_name="accepte d'être nommée dans les synthèses")),
                    ('created_at', models.DateTimeField(blank=True, editable=False, verbose_name='créée le')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('merged_into', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation', verbose_name='fusionnée dans')),
                ],
                options={
                    'verbose_name': 'historical organisation',
                    'verbose_name_plural': 'historical organisations',
                    'db_table': 'consultation_historicalorganisation',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.CreateModel(
                name='HistoricalMembership',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('email_confirmed_at', models.DateTimeField(blank=True, null=True, verbose_name='adresse confirmée le')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='utilisateur')),
                    ('organisation', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.organisation', verbose_name='organisation')),
                ],
                options={
                    'verbose_name': 'historical appartenance',
                    'verbose_name_plural': 'historical appartenances',
                    'db_table': 'consultation_historicalmembership',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.AlterField(
                model_name='organisationrefusal',
                name='organisation',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refusals', to='accounts.organisation', verbose_name='organisation'),
            ),
            migrations.AddConstraint(
                model_name='organisation',
                constraint=models.CheckConstraint(condition=models.Q(models.Q(('merged_into__isnull', False), ('status', 'merged')), models.Q(models.Q(('status', 'merged'), _negated=True), ('merged_into__isnull', True)), _connector='OR'), name='organisation_merged_iff_target'),
            ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(*move_content_types("consultation", "accounts", ORGANISATION_MODELS)),
    ]

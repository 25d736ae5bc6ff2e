"""Memberships get a status (people joining an organisation already registered wait for an editor);
organisations declare e-mail domains that editors validate. Memberships that exist keep the right
they had: they are approved. Also creates the database cache's table, the shared cache when no
Redis is configured (settings.CACHES)."""

import django.db.models.deletion
from django.conf import settings
from django.core.management import call_command
from django.db import migrations, models


def approve_existing_memberships(apps, schema_editor):
    apps.get_model("accounts", "Membership").objects.update(status="approved")


def create_cache_table(apps, schema_editor):
    # A no-op for a cache that is not in the database (Redis), and for a table that exists.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_organisation_membership_moved_here'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalmembership',
            name='status',
            field=models.CharField(choices=[('pending', 'En attente de validation'), ('approved', 'Validée'), ('refused', 'Refusée')], default='pending', max_length=20, verbose_name="statut de l'appartenance"),
        ),
        migrations.AddField(
            model_name='membership',
            name='status',
            field=models.CharField(choices=[('pending', 'En attente de validation'), ('approved', 'Validée'), ('refused', 'Refusée')], default='pending', max_length=20, verbose_name="statut de l'appartenance"),
        ),
        migrations.CreateModel(
            name='OrganisationDomain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(help_text='La partie après @ des adresses, par exemple hopital-nord.fr.', max_length=253, verbose_name='domaine')),
                ('validated_at', models.DateTimeField(blank=True, null=True, verbose_name='validé le')),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='domains', to='accounts.organisation', verbose_name='organisation')),
                ('validated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='validé par')),
            ],
            options={
                'verbose_name': "domaine de l'organisation",
                'verbose_name_plural': "domaines de l'organisation",
                'ordering': ['domain'],
                'constraints': [models.UniqueConstraint(fields=('domain',), name='organisation_domain_unique'), models.CheckConstraint(condition=models.Q(models.Q(('validated_at__isnull', True), ('validated_by__isnull', True)), models.Q(('validated_at__isnull', False), ('validated_by__isnull', False)), _connector='OR'), name='organisation_domain_validated_by_and_at_together')],
            },
        ),
        migrations.RunPython(approve_existing_memberships, migrations.RunPython.noop),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]

"""Editors' and superusers' API tokens issued before editors had to give their second factor for one
(accounts/mfa.py) were had with the password alone: they are revoked, and editors ask again with
their code. Other accounts keep theirs."""

from django.conf import settings
from django.db import migrations
from django.db.models import Q


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Token = apps.get_model("authtoken", "Token")
    editors = User.objects.filter(Q(is_superuser=True) | Q(groups__name="editor")).values("pk")
    Token.objects.filter(user_id__in=editors).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_allauth_email_addresses"),
        ("authtoken", "0003_tokenproxy"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Existing accounts carry their addresses over to allauth's EmailAddress, the record of verified
addresses from now on: one primary address per user, verified iff their membership's address was
confirmed (``email_confirmed_at``) — or, for accounts without membership (editors, staff), since
an administrator created them. Empty addresses, addresses already recorded and an address shared
by several accounts (only its first account gets it) are skipped. Passwords stay in the same
User table, untouched."""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    EmailAddress = apps.get_model("account", "EmailAddress")
    Membership = apps.get_model("accounts", "Membership")
    confirmed = dict(Membership.objects.values_list("user_id", "email_confirmed_at"))
    taken = {email.lower() for email in EmailAddress.objects.values_list("email", flat=True)}
    users_with_address = set(EmailAddress.objects.values_list("user_id", flat=True))
    rows = []
    for user_id, email in User.objects.exclude(email="").order_by("pk").values_list("pk", "email"):
        email = (email or "").strip()
        if not email or email.lower() in taken or user_id in users_with_address:
            continue
        taken.add(email.lower())
        verified = confirmed[user_id] is not None if user_id in confirmed else True
        rows.append(EmailAddress(user_id=user_id, email=email.lower(), primary=True, verified=verified))
    EmailAddress.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_membership_verbose_name"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

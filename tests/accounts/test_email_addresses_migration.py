"""Existing accounts carry their addresses over to allauth: verified iff confirmed, editors' too,
nothing for empty or duplicate addresses, passwords untouched."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("accounts", "0004_membership_verbose_name"), ("account", "0009_emailaddress_unique_primary_email")]


@pytest.mark.django_db(transaction=True)
def test_existing_users_get_an_allauth_address_verified_iff_confirmed():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    organisation = old.get_model("accounts", "Organisation").objects.create(name="Messagerie Santé", kind="operator", status="approved")
    Membership = old.get_model("accounts", "Membership")
    confirmed = User.objects.create(username="confirmee@exemple.fr", email="Confirmee@Exemple.fr", password=make_password("ancien-mot-de-passe-1"))
    Membership.objects.create(user=confirmed, organisation=organisation, status="approved", email_confirmed_at=timezone.now())
    unconfirmed = User.objects.create(username="pas-confirmee@exemple.fr", email="pas-confirmee@exemple.fr")
    Membership.objects.create(user=unconfirmed, organisation=organisation, status="approved")
    User.objects.create(username="editrice", email="editrice@esante.gouv.fr", is_staff=True)
    User.objects.create(username="sans-adresse", email="")
    User.objects.create(username="doublon", email="CONFIRMEE@exemple.fr")

    call_command("migrate", verbosity=0)

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    rows = {(row.user.username, row.email, row.primary, row.verified) for row in EmailAddress.objects.select_related("user")}
    assert rows == {
        ("confirmee@exemple.fr", "confirmee@exemple.fr", True, True),
        ("pas-confirmee@exemple.fr", "pas-confirmee@exemple.fr", True, False),
        ("editrice", "editrice@esante.gouv.fr", True, True),
    }
    assert get_user_model().objects.get(username="confirmee@exemple.fr").check_password("ancien-mot-de-passe-1")

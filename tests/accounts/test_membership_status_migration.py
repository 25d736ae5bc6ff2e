"""Memberships made before they had a status keep the right they had: the migration approves them."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0002_organisation_membership_moved_here")]


@pytest.mark.django_db(transaction=True)
def test_memberships_existing_before_statuses_are_approved():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    user = old.get_model("auth", "User").objects.create(username="ancienne")
    organisation = old.get_model("accounts", "Organisation").objects.create(name="Messagerie Santé", kind="operator", status="approved")
    old.get_model("accounts", "Membership").objects.create(user=user, organisation=organisation)

    call_command("migrate", verbosity=0)

    from accounts.models import Membership

    assert Membership.objects.get(user__username="ancienne").status == Membership.Status.APPROVED

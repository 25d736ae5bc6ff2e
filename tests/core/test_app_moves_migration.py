"""Workshops moved to their own app and organisations to accounts (issue 8) without losing a row:
a database holding data in the old layout migrates to the new one with every row, history row and
link still there, and content types (so permissions) follow the models."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

OLD_LAYOUT = [
    ("referential", "0003_level_delay_help"),
    ("consultation", "0002_comment_answer_consultation_comment_consultation_and_more"),
    ("accounts", "0001_initial"),
    ("workshops", None),
]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([target for target in targets if target[1]]).apps


@pytest.mark.django_db(transaction=True)
def test_rows_history_and_links_survive_the_move():
    old = _migrate(OLD_LAYOUT)
    User = old.get_model("auth", "User")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")
    Referential = old.get_model("referential", "Referential")
    Workshop = old.get_model("consultation", "Workshop")
    HistoricalWorkshop = old.get_model("consultation", "HistoricalWorkshop")
    RidaItem = old.get_model("consultation", "RidaItem")
    Link = old.get_model("consultation", "RidaRequirementLink")
    Organisation = old.get_model("consultation", "Organisation")
    Membership = old.get_model("consultation", "Membership")
    HistoricalOrganisation = old.get_model("consultation", "HistoricalOrganisation")

    user = User.objects.create(username="ancienne")
    referential = Referential.objects.create(slug="ref1-mssante", code="Ref#1", title="Opérateurs")
    workshop = Workshop.objects.create(
        number=4, title="Atelier 4", held_on=timezone.localdate(), kind="technique", organiser="ANS", writer="ANS"
    )
    workshop.referentials.add(referential)
    HistoricalWorkshop.objects.create(
        id=workshop.pk, number=4, title="Atelier 4", held_on=workshop.held_on, kind="technique", organiser="ANS",
        writer="ANS", status="draft", created_at=timezone.now(), history_date=timezone.now(), history_type="+",
        history_change_reason="Compte-rendu enregistré",
    )
    item = RidaItem.objects.create(workshop=workshop, number=11, nature="D", object="BAL", question="Q", answer="R")
    Link.objects.create(rida_item=item, referential=referential, requirement_key="MSS 17")
    organisation = Organisation.objects.create(name="Messagerie Santé", kind="operator", status="approved")
    Membership.objects.create(user=user, organisation=organisation)
    HistoricalOrganisation.objects.create(
        id=organisation.pk, name="Messagerie Santé", kind="operator", status="approved", agrees_to_be_named=False,
        created_at=timezone.now(), history_date=timezone.now(), history_type="+",
    )
    # Content types as a database in use has them (created after migrations, with permissions).
    workshop_type = ContentType.objects.create(app_label="consultation", model="workshop")
    Permission.objects.create(content_type=workshop_type, codename="change_workshop", name="Can change workshop")
    ContentType.objects.create(app_label="consultation", model="organisation")

    call_command("migrate", verbosity=0)

    from accounts.models import Membership as NewMembership
    from accounts.models import Organisation as NewOrganisation
    from django.contrib.auth.models import Permission as NewPermission
    from django.contrib.contenttypes.models import ContentType as NewContentType
    from workshops.models import RidaItem as NewRidaItem
    from workshops.models import Workshop as NewWorkshop

    moved = NewWorkshop.objects.get(number=4)
    assert list(moved.referentials.values_list("slug", flat=True)) == ["ref1-mssante"]
    assert moved.history.get().history_change_reason == "Compte-rendu enregistré"
    assert NewRidaItem.objects.get(workshop=moved, number=11).requirement_links.get().requirement_key == "MSS 17"
    organisation = NewOrganisation.objects.get(name="Messagerie Santé")
    assert NewMembership.objects.get(organisation=organisation).user.username == "ancienne"
    assert organisation.history.count() == 1
    assert NewContentType.objects.get_for_model(NewWorkshop).app_label == "workshops"
    assert NewContentType.objects.get_for_model(NewOrganisation).app_label == "accounts"
    assert NewPermission.objects.get(codename="change_workshop").content_type.app_label == "workshops"
    assert not NewContentType.objects.filter(app_label="consultation", model__in=["workshop", "organisation"]).exists()

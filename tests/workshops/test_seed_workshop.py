"""Workshop #4 of the MSSanté task force, carried verbatim from the seed minutes."""

import datetime

import pytest
from django.core.management import call_command

from referential.models import Referential
from tests.factories import ReferentialFactory
from workshops import services
from workshops.models import RidaItem, Workshop

from .factories import SEED_FIXTURE, seed_workshop

pytestmark = pytest.mark.django_db

SEED_ITEMS = [
    (1, "I", "API LPS - Impacts du choix d’IMAP"),
    (2, "A", "API LPS - Contenu/scope Accesstoken"),
    (3, "I", "Interface Opérateur – Application de test et de contrôle opérateurs"),
    (4, "I", "Contrat – Principes de contrôle / audit des opérateurs"),
    (5, "I", "Contrat – Principes de contrôle / audit des opérateurs"),
    (6, "I", "Contrat – Principes de contrôle / audit des opérateurs"),
    (7, "I", "Contrat : nouvelles modalités de contrôles / sanctions"),
    (8, "I", "Contrat : nouvelles modalités de contrôles / sanctions"),
    (9, "I", "Qualité des BAL présentes dans l’annuaire"),
    (10, "A", "Qualité des BAL présentes dans l’annuaire"),
    (11, "I", "Qualité des BAL présentes dans l’annuaire"),
    (12, "I", "Qualité des BAL présentes dans l’annuaire"),
    (13, "I", "Conclusion"),
]


def test_fixture_carries_the_13_items_with_their_numbers_natures_and_objects():
    workshop = seed_workshop()
    assert list(workshop.rida_items.order_by("number").values_list("number", "nature", "object")) == SEED_ITEMS


def test_items_2_and_10_are_the_open_actions():
    workshop = seed_workshop()
    actions = workshop.rida_items.filter(nature=RidaItem.Nature.ACTION)
    assert [(a.number, a.action_status) for a in actions] == [(2, "open"), (10, "open")]
    assert workshop.rida_items.get(number=2).answer == "ANS : Question soumise aux équipes PSC."


def test_items_11_and_12_link_to_mss_17_and_mss_19_of_ref1():
    workshop = seed_workshop()
    links = {
        item.number: [(link.referential.slug, link.requirement_key) for link in item.requirement_links.all()]
        for item in workshop.rida_items.prefetch_related("requirement_links__referential")
    }
    assert links[11] == [("ref1-mssante", "MSS 17")]
    assert links[12] == [("ref1-mssante", "MSS 19")]
    assert all(not links[n] for n in links if n not in (11, 12))


def test_header_participants_agenda_and_document_are_those_of_the_minutes():
    workshop = seed_workshop()
    assert workshop.title == "TF MSSanté – Atelier technique #4"
    assert workshop.held_on == datetime.date(2022, 3, 11)
    assert (workshop.organiser, workshop.writer, workshop.kind) == ("Mathieu SLOSAR", "Samy ABDICHE", "atelier")
    assert workshop.status == Workshop.Status.PUBLISHED
    assert list(workshop.participants.values_list("last_name", "first_name", "entity")) == [
        ("BRIS", "Edouard", "ANS"),
        ("GUEYE", "Mike", "ANS"),
        ("SLOSAR", "Mathieu", "ANS"),
        ("DANGIN", "Bastien", "Capgemini"),
    ]
    assert workshop.participants.get(last_name="DANGIN").function == (
        "Architecte solution en appui aux équipes techniques MSSanté de l’ANS"
    )
    top = list(workshop.agenda_items.filter(parent=None).order_by("position").values_list("label", flat=True))
    assert top == ["Introduction", "API LPS", "Focus sur certaines exigences ou principes", "Conclusion & prochaines étapes"]
    assert workshop.agenda_items.exclude(parent=None).count() == 7
    document = workshop.documents.get()
    assert (document.title, document.reference) == ("Support de présentation", "MSS_TF_MSS_Atelier_4_20220311")
    assert [r.slug for r in workshop.referentials.all()] == ["ref1-mssante"]


def test_long_texts_keep_their_paragraphs_and_lose_the_page_line_breaks():
    item = seed_workshop().rida_items.get(number=1)
    assert item.question.split("\n\n") == [
        "Un opérateur indique que l’introduction d’IMAP nécessite de statuer la durée de rétention des messages.",
        "Si aucune exigence n’est défini le cout induit sur l’architecture technique des opérateurs, qui ne "
        "proposait pas la conservation des messages sur le serveur de messagerie, pourrait être significative. "
        "Le financement Segur ne prévoit pas de couvrir ce centre de cout.",
    ]
    assert "\n" not in item.answer


def test_loading_twice_changes_nothing_and_keeps_what_editors_did():
    workshop = seed_workshop()
    services.set_action_status(item=workshop.rida_items.get(number=2), status="done", closing_note="Réponse de PSC reçue.")
    again, created = services.load_workshop_fixture(SEED_FIXTURE)
    assert not created and again.pk == workshop.pk
    assert Workshop.objects.count() == 1 and RidaItem.objects.count() == 13
    assert RidaItem.objects.get(number=2).action_status == "done"


def test_an_existing_referential_is_reused_not_duplicated():
    existing = ReferentialFactory(slug="ref1-mssante", code="Ref#1")
    workshop = seed_workshop()
    assert list(workshop.referentials.all()) == [existing]
    assert Referential.objects.count() == 1


def test_every_row_of_the_fixture_has_history():
    workshop = seed_workshop()
    record = workshop.rida_items.get(number=11).history.earliest()
    assert record.history_change_reason == "Item RIDA ajouté"
    assert workshop.history.latest().history_change_reason == "Compte-rendu publié"


def test_the_command_loads_the_fixtures_of_the_project(capsys):
    call_command("load_workshops")
    call_command("load_workshops")
    assert Workshop.objects.get().rida_items.count() == 13
    assert "déjà présent" in capsys.readouterr().out


def test_the_fixture_file_lives_in_the_project():
    assert SEED_FIXTURE.is_file()
    assert "shared" not in SEED_FIXTURE.parts

"""Every printed document keeps its text inside the page, whatever the length of a word.

A long URL, a long inline code span, a long word or a long literal format (``<NOM>``) in any field
that reaches a document must wrap at the edge of the text column, in paragraphs and in tables alike.
Each document is built from such a corpus and every character's position is checked with pdfplumber.
"""

import io
from datetime import timedelta

import pdfplumber
import pytest
from django.utils import timezone

from accounts.models import Membership, Organisation
from consultation.models import Answer, Comment, Consultation
from consultation.synthesis import render_synthesis_pdf
from referential import services
from referential.documents import build_version_pdf
from workshops.pdf import render_workshop_pdf
from tests.workshops.factories import (
    AgendaItemFactory,
    DocumentFactory,
    ParticipantFactory,
    RidaItemFactory,
    WorkshopFactory,
)
from tests.factories import (
    ActorFactory,
    LevelFactory,
    ReferentialFactory,
    RequirementFactory,
    SectionFactory,
    ThresholdFactory,
    VersionFactory,
    contributor_user,
    freeze,
)

MM = 72 / 25.4  # points per millimetre

URL = (
    "https://esante.gouv.fr/sites/default/files/media_entity/documents/"
    "ANS_MSS_Ref2_Clients_de_messageries_MSSante_v1.0.1_20240118_annexe_technique_complete.pdf"
)
WORD = "Anticonstitutionnellement" * 4
CODE = "X-MSS-" + "Identifiant-Du-Message-Sortant-" * 4
LITERAL = "XDM/1.0/DDM+<libellé>_<NOM>_<prénom>_" + "0123456789" * 8


def plain(length: int) -> str:
    """A single unbreakable token that fills a plain-text field of ``length`` characters."""
    return (WORD + URL)[:length]


# Markdown as editors write it, every long kind at once: a paragraph, a list, a table, a code block.
MARKDOWN = f"""L'opérateur **DOIT** publier {URL} et `{CODE}` ; voir {WORD}.

Format du sujet : {LITERAL} et [le document]({URL}).

- {URL}
- `{CODE}`

| Champ | Valeur | Commentaire |
| --- | --- | --- |
| `{CODE}` | {URL} | {WORD} |

    {LITERAL}{CODE}
"""


def assert_inside_text_column(content: bytes, *, left_mm: float, right_mm: float) -> None:
    """No character of any page lies beyond the left or right margin (0.5 pt of tolerance)."""
    outside = []
    with pdfplumber.open(io.BytesIO(content)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            low, high = left_mm * MM - 0.5, page.width - right_mm * MM + 0.5
            for char in page.chars:
                if char["x0"] < low or char["x1"] > high or char["top"] < 0 or char["bottom"] > page.height:
                    outside.append((number, char["text"], round(char["x0"]), round(char["x1"])))
    assert not outside, f"{len(outside)} characters outside the text column, first ones: {outside[:10]}"


@pytest.fixture
def long_version(db, editor):
    """A published 1.0 and its 1.1 draft, both filled with long tokens in every printed field."""
    referential = ReferentialFactory(title=plain(250), audience=plain(250))
    level = LevelFactory(slug="majeure", label=plain(60), definition=MARKDOWN)
    actor = ActorFactory(slug="operateur", label=plain(120))
    version = VersionFactory(referential=referential, number="1.0", change_summary=MARKDOWN, conformity_rule_note=MARKDOWN)
    chapter = SectionFactory(version=version, title=plain(250), intro=MARKDOWN, position=1)
    nested = SectionFactory(version=version, parent=chapter, title=plain(250), intro=MARKDOWN, position=1)
    for index, section in enumerate((chapter, nested)):
        RequirementFactory(
            version=version,
            section=section,
            key=f"{plain(36)}{index}",
            title=plain(250),
            statement=MARKDOWN,
            verification_method=plain(250),
            compliance_deadline=timezone.localdate(),
            level=level,
            actors=[actor],
        )
    ThresholdFactory(version=version, level=level, max_findings=0)
    freeze(version)  # its own PDF is not under test: the draft's change annex is
    draft = services.start_draft(referential=referential, number="1.1", change_summary=MARKDOWN, by=editor)
    reworded, moved = draft.requirements.order_by("position")
    services.update_requirement(requirement=moved, key=plain(40), section=draft.sections.filter(parent=None).get(), by=editor)
    services.update_requirement(
        requirement=reworded, title=plain(249) + "X", statement=MARKDOWN.replace("publier", "archiver") + f"\n\n{URL}X", by=editor
    )
    RequirementFactory(version=draft, section=draft.sections.first(), key=plain(40)[::-1], title=plain(250), statement=MARKDOWN, level=level, actors=[actor])
    return draft


def test_the_draft_preview_keeps_every_long_token_inside_the_page(long_version):
    assert_inside_text_column(build_version_pdf(long_version, preview=True).content, left_mm=18, right_mm=18)


def test_the_published_version_keeps_every_long_token_inside_the_page(long_version, editor):
    published = services.publish_version(version=long_version, by=editor)
    assert_inside_text_column(published.pdf.read(), left_mm=18, right_mm=18)


def test_the_synthesis_keeps_every_long_token_inside_the_page(long_version, editor):
    now = timezone.now()
    consultation = Consultation.objects.create(
        version=long_version, title=plain(250), opens_at=now - timedelta(days=20), closes_at=now - timedelta(days=1),
        synthesis_intro=MARKDOWN,
    )
    organisation = Organisation.objects.create(
        name=plain(200), kind=Organisation.Kind.OPERATOR, status=Organisation.Status.APPROVED, agrees_to_be_named=True
    )
    author = contributor_user(username="auteur-long")
    Membership.objects.create(status="approved", user=author, organisation=organisation, email_confirmed_at=now)
    requirement = long_version.requirements.order_by("position").first()
    targets = [{"requirement": requirement}, {"section": requirement.section}, {}]
    for target in targets:
        comment = Comment.objects.create(
            consultation=consultation, kind=Comment.Kind.PROPOSAL, body=MARKDOWN, proposed_wording=MARKDOWN,
            author=author, organisation=organisation, **target,
        )
        Answer.objects.create(
            comment=comment, decision=Answer.Decision.PARTLY_ACCEPTED, body=MARKDOWN, answered_by=editor,
            answered_at=now, carried_by=requirement,
        )
    assert_inside_text_column(render_synthesis_pdf(consultation), left_mm=18, right_mm=18)


def test_the_workshop_minutes_keep_every_long_token_inside_the_page(db):
    workshop = WorkshopFactory(
        title=plain(250), organiser=plain(150), writer=plain(150), writer_entity=plain(150),
        agenda_intro=plain(200), summary=MARKDOWN,
    )
    DocumentFactory(workshop=workshop, title=plain(250), reference=plain(200))
    ParticipantFactory(workshop=workshop, last_name=plain(100), first_name=plain(100), entity=plain(150), function=plain(250))
    parent = AgendaItemFactory(workshop=workshop, label=plain(300))
    AgendaItemFactory(workshop=workshop, parent=parent, label=plain(300))
    for nature in ("I", "D", "A"):
        RidaItemFactory(
            workshop=workshop, nature=nature, object=plain(250), question=MARKDOWN, answer=MARKDOWN,
            owner=plain(150) if nature == "A" else "", due_on=timezone.localdate() if nature == "A" else None,
            closing_note=MARKDOWN if nature == "A" else "",
        )
    assert_inside_text_column(render_workshop_pdf(workshop), left_mm=15, right_mm=15)

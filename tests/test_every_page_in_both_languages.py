"""Every page, rendered in French and in English, checked against the catalogues: in English no
sentence of the French catalogue is left untranslated, dates read "Monday 30 November 2026 at 04:26",
reference labels are translated and the DSFR's own dialog keeps its words; in French the first of a
month is « 1er »."""

import datetime
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone, translation

from consultation import services
from accounts.models import Membership, Organisation
from consultation.models import Consultation
from referential.dates import human_date
from tests.workshops.factories import full_workshop
from tests.e2e.scenario import build_scenario
from tests.factories import contributor_user, editor_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
REF = "/referentiels/ref1-mssante/"


def catalogue() -> list[tuple[str, str]]:
    """(msgid, msgstr) of the English catalogue's simple entries (no context, no plural)."""
    entries = []
    for block in CATALOGUE.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        if any(line.startswith(("msgctxt", "msgid_plural")) for line in lines):
            continue
        text, fields = "", {}
        for line in lines:
            key = line.split(" ", 1)[0] if not line.startswith('"') else None
            if key in ("msgid", "msgstr"):
                text = key
                fields[key] = line[len(key) + 1 :].strip()[1:-1]
            elif line.startswith('"') and text:
                fields[text] += line[1:-1]
        if fields.get("msgid"):
            entries.append((fields["msgid"].replace('\\"', '"'), fields.get("msgstr", "").replace('\\"', '"')))
    return entries


def french_fragments() -> set[str]:
    """Pieces of French UI text long enough to be unmistakable, from every entry whose English differs."""
    fragments = set()
    for msgid, msgstr in catalogue():
        if msgid == msgstr:
            continue
        for piece in re.split(r"%\(\w+\)s|%s|<[^>]+>|\{\{[^}]*\}\}|\\n", msgid):
            piece = " ".join(piece.split()).strip(" .,:;")
            if len(piece.split()) >= 4 and len(piece) >= 24:
                fragments.add(piece)
    return fragments


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    for entity, char in (("&nbsp;", " "), ("&#x27;", "'"), ("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")):
        text = text.replace(entity, char)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


@pytest.fixture
def world(db):
    scenario = build_scenario()
    now = timezone.now()
    consultation = Consultation.objects.create(
        version=scenario.v11, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14)
    )
    organisation = Organisation.objects.create(name="Opérateur Test", kind="operator", status="approved")
    contributor = contributor_user(username="contributrice")
    Membership.objects.create(status="approved", user=contributor, organisation=organisation, email_confirmed_at=now)
    editor = editor_user(username="redactrice")
    mss17 = scenario.v11.requirements.get(key="MSS 17")
    comment = services.submit_comment(
        consultation=consultation, author=contributor, kind="remark", requirement=mss17, body="Remarque."
    )
    services.answer_comment(comment=comment, by=editor, decision="accepted", body="Accepté.")
    workshop = full_workshop(3, referential=scenario.v11.referential, held_on=datetime.date(2022, 3, 1))
    c = consultation.pk
    public = [
        "/", REF, f"{REF}1.1/", f"{REF}1.1/exigences/MSS%2017/", f"{REF}comparer/1.0/1.1/", f"{REF}comparer/",
        "/concertations/", f"/concertations/{c}/", f"/concertations/{c}/synthese/", "/ateliers/",
        f"/ateliers/{workshop.pk}/", "/mentions-legales/", "/donnees-personnelles/", "/accessibilite/",
        "/plan-du-site/", "/compte/connexion/", "/compte/inscription/", "/autoevaluations/syntheses/",
    ]
    own = [f"/concertations/{c}/commenter/", f"/concertations/commentaires/{comment.pk}/retirer/"]
    editors = [f"/concertations/{c}/tableau-de-bord/", "/ateliers/actions/"]
    return [(None, p) for p in public] + [(contributor, p) for p in own] + [(editor, p) for p in editors]


def render_all(client_for, world, language):
    pages = {}
    for user, path in world:
        client = client_for(user)
        client.cookies["django_language"] = language
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        html = response.content.decode()
        assert f'<html lang="{language}"' in html, path
        pages[path] = html
    return pages


def test_english_pages_leave_no_french_ui_text_and_write_dates_and_labels_in_english(client_for, world):
    pages = render_all(client_for, world, "en")  # rendered once for all the checks: it is the slow part
    fragments = french_fragments()
    left = []
    for path, html in pages.items():
        text = visible_text(html)
        left += [f"{path}: {fragment!r}" for fragment in fragments if fragment in text]
        assert not re.search(r"\d{4} à \d{1,2}:\d{2}", text), path
        assert "Fermer" not in text, path
    assert not left, "French left in English pages:\n" + "\n".join(sorted(left))
    text = visible_text(pages[f"{REF}1.1/"])
    assert "Blocking" in text and "Bloquante" not in text  # level badges and filters
    assert "MSSanté operator" in text
    consultation_text = visible_text(pages[[p for p in pages if p.startswith("/concertations/") and p.count("/") == 3][0]])
    assert re.search(r"[A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4} at \d{2}:\d{2}", consultation_text)


def test_the_display_dialog_speaks_the_page_language(client_for, world):
    french = render_all(client_for, world[:1], "fr")["/"]
    english = render_all(client_for, world[:1], "en")["/"]
    def dialog(html):
        start = html.index(">", html.index('id="fr-theme-modal"')) + 1
        return visible_text(html[start : html.index("</dialog>")])

    assert dialog(french).startswith("Fermer Paramètres d’affichage")
    assert dialog(english).startswith("Close Display settings")


def test_french_pages_write_the_first_of_a_month_as_an_ordinal(client_for, world):
    pages = render_all(client_for, world, "fr")
    assert "1er mars 2022" in visible_text(pages["/ateliers/"])
    for path, html in pages.items():
        assert not re.search(r"(?<!\d)1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)", visible_text(html)), path


def test_dates_in_each_language():
    moment = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 5), timezone.get_default_timezone())
    with translation.override("fr"):
        assert human_date(moment, "long_datetime") == "mardi 1er décembre 2026 à 09:05"
        assert human_date(moment.date()) == "1er décembre 2026"
        assert human_date(datetime.date(2026, 12, 11)) == "11 décembre 2026"
    with translation.override("en"):
        assert human_date(moment, "long_datetime") == "Tuesday 1 December 2026 at 09:05"


def test_english_translations_put_no_space_before_punctuation():
    spaced = [msgstr for _msgid, msgstr in catalogue() if re.search(r"\w[ \u202f\xa0][:;!?](\s|$)", msgstr)]
    assert not spaced


def test_file_sizes_in_each_language():
    from referential.sizes import file_size

    with translation.override("fr"):
        assert file_size(1536 * 1024) == "1,5\u00a0Mo"
        assert file_size(820 * 1024) == "820\u00a0Ko"
        assert file_size(12) == "12\u00a0octets"
    with translation.override("en"):
        assert file_size(1536 * 1024) == "1.5\u00a0MB"
        assert file_size(820 * 1024) == "820\u00a0KB"

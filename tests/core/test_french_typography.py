"""French typography in pages, PDFs and e-mails: a narrow no-break space (U+202F) before ``: ; ! ?``
and inside « », ’ for the apostrophe; never in code, URLs, times or attribute values, and nothing of
it in English output."""

import datetime
import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from pypdf import PdfReader

from core.mail import send_templated_mail
from core.typography import french_html, french_text
from referential.documents import build_version_pdf
from referential.models import ReferentialVersion
from workshops.models import Workshop
from tests.factories import RequirementFactory, SectionFactory, VersionFactory, freeze

NNBSP = "\u202f"
STATEMENT = (
    "Note : le dossier « preuves » est gardé! Pourquoi? Voir https://esante.gouv.fr/a:b?c=d ; "
    "avant 10:30, format `cle : valeur` et l'opérateur."
)


def test_plain_text_gets_narrow_spaces_and_apostrophes_but_urls_times_and_words_keep_theirs():
    assert french_text(STATEMENT.replace("`", "")) == (
        "Note\u202f: le dossier «\u202fpreuves\u202f» est gardé\u202f! Pourquoi\u202f? Voir "
        "https://esante.gouv.fr/a:b?c=d\u202f; avant 10:30, format cle\u202f: valeur et l’opérateur."
    )
    assert french_text("urn:oid:1.2.250 à 09:05, écrire à nom@domaine.fr : merci") == (
        "urn:oid:1.2.250 à 09:05, écrire à nom@domaine.fr\u202f: merci"
    )
    assert french_text(french_text(STATEMENT)) == french_text(STATEMENT)


def test_html_is_typeset_in_text_nodes_only():
    source = (
        '<p title="Statut : l\'état">Statut&nbsp;: <strong>Note</strong>: «<em>titre</em>» '
        "<code>a : b</code> l&#x27;op&amp;x</p><pre>l'x : y</pre><textarea>x : y</textarea>"
        "<script>a ? b : c</script><style>a:hover{}</style><!-- a : b -->"
    )
    assert french_html(source) == (
        '<p title="Statut : l\'état">Statut\u202f: <strong>Note</strong>\u202f: «<em>\u202ftitre</em>\u202f» '
        "<code>a : b</code> l’op&amp;x</p><pre>l'x : y</pre><textarea>x : y</textarea>"
        "<script>a ? b : c</script><style>a:hover{}</style><!-- a : b -->"
    )


@pytest.fixture
def requirement(db):
    version = VersionFactory(number="1.0", referential__slug="ref-typo", effective_at=datetime.date(2026, 12, 1))
    section = SectionFactory(version=version, title="Sécurité", position=1)
    requirement = RequirementFactory(version=version, section=section, key="MSS 1", statement=STATEMENT)
    freeze(version)
    return requirement


def page(requirement, language):
    client = Client()
    client.cookies["django_language"] = language
    response = client.get(f"/referentiels/ref-typo/1.0/exigences/MSS%201/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_page_is_typeset_outside_code_urls_and_times(requirement):
    html = page(requirement, "fr")
    assert f"Chapitre{NNBSP}: Sécurité" in html  # interface text
    assert f"Note{NNBSP}: le dossier «{NNBSP}preuves{NNBSP}»" in html  # the editors' text
    assert "l’opérateur" in html
    assert "avant 10:30" in html and "https://esante.gouv.fr/a:b?c=d" in html
    assert "<code>cle : valeur</code>" in html
    assert not re.search(r'="[^"]*\u202f', html), "no attribute value is touched"


def test_an_english_page_has_no_french_spacing(requirement):
    html = page(requirement, "en")
    assert "Chapter: Sécurité" in html
    assert NNBSP not in html and "’opérateur" not in html
    interface = re.sub(r'<div class="markdown[^"]*">.*?</div>', "", html, flags=re.S)  # the editors' text is as typed
    assert not re.search(r"\w[ \u00a0]:(\s|<)", interface)


def pdf_text(content: bytes) -> str:
    """The PDF's characters as its text layer records them, spaces and line ends collapsed (not
    U+202F). pypdf rather than pdftotext: poppler prints every kind of space as an ordinary one."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"[ \n]+", " ", "\n".join(page.extract_text() for page in reader.pages))


def test_a_french_pdf_is_typeset_outside_code_urls_and_times(requirement):
    text = pdf_text(build_version_pdf(requirement.version, preview=True).content)
    assert f"Note{NNBSP}: le dossier «{NNBSP}preuves{NNBSP}»" in text  # the editors' text
    assert f"gardé{NNBSP}! Pourquoi{NNBSP}? Voir" in text
    assert f"Classification{NNBSP}: Publique" in text  # the print template's own
    assert "avant 10:30" in text and "https://esante.gouv.fr/a:b?c=d" in text.replace("\u200b", "")
    assert "cle : valeur" in text  # code as typed
    assert "l’opérateur" in text and "l'opérateur" not in text
    assert "1er décembre 2026" in text  # the first of a month as French writes it


def test_french_mails_are_typeset_and_english_ones_are_not(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    context = {"user": type("U", (), {"get_username": lambda self: "u", "get_full_name": lambda self: "U"})(),
               "password_reset_url": "https://referentiels.example.fr/compte/mot-de-passe/nouveau/1-abc-def/"}
    for language in ("fr", "en"):
        send_templated_mail(template="account/email/password_reset_key", to=["a@b.fr"], context=context, language=language)
    french, english = mail.outbox
    assert "https://referentiels.example.fr/" in french.body
    assert "'" not in re.sub(r"https?://\S+", "", french.body + french.subject)
    assert NNBSP not in english.body + english.subject + english.alternatives[0][0]


def visible_french_text(html: str) -> str:
    """What a reader sees of a page, code and scripts left out (they keep their straight quotes)."""
    html = re.sub(r"<(script|style|code|pre|textarea)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return re.sub(r"<[^>]+>", " ", html)


def test_the_demo_data_shows_no_straight_apostrophe_in_french(db):
    call_command("load_demo", stdout=io.StringIO())
    published = ReferentialVersion.objects.get(referential__slug="ref1-mssante", number="1.0")
    client = Client()
    client.cookies["django_language"] = "fr"
    paths = ["/", "/referentiels/ref1-mssante/", "/referentiels/ref1-mssante/1.0/", "/referentiels/ref2-clients/",
             "/concertations/", "/ateliers/", "/mentions-legales/", "/donnees-personnelles/"]
    paths += [f"/ateliers/{pk}/" for pk in Workshop.objects.values_list("pk", flat=True)]
    straight = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_french_text(response.content.decode())
        straight += [f"{path}: …{m.group(0)}…" for m in re.finditer(r".{0,30}(?:'|&#x27;|&#39;).{0,30}", text)]
    assert not straight, "\n".join(straight[:20])
    printed = pdf_text(published.pdf.read())
    assert "'" not in printed.replace("<jeton d'accès>", "")  # the demo's one apostrophe in code stays as typed


def test_typeset_fragments_pass_through_and_the_text_around_them_is_typeset():
    from core.typography import TYPESET_CLOSE, TYPESET_OPEN, french_html

    kept = f"{TYPESET_OPEN}<p>Déjà fait : l'exemple</p>{TYPESET_CLOSE}"
    page = f"<p>Avant : l'un</p>{kept}<p>Après : l'autre</p>{kept}<p>Fin !</p>"
    assert french_html(page) == (
        f"<p>Avant\u202f: l\u2019un</p>{kept}<p>Après\u202f: l\u2019autre</p>{kept}<p>Fin\u202f!</p>"
    )
    # The middleware's form, on the encoded page: the same bytes.
    from core.typography import _french_html_bytes

    assert _french_html_bytes(page.encode(), "utf-8") == french_html(page).encode()
    assert _french_html_bytes("<p>Sans : fragment</p>".encode(), "utf-8") == french_html("<p>Sans : fragment</p>").encode()
    # Unclosed: the rest is typeset as any text (the marker is a mere comment).
    assert french_html(f"<p>A : b</p>{TYPESET_OPEN}<p>c : d</p>") == f"<p>A\u202f: b</p>{TYPESET_OPEN}<p>c\u202f: d</p>"


def test_a_response_its_view_typeset_is_left_alone():
    """A page kept whole (referential.page_cache) is typeset once, when kept: the middleware does not
    read it again; any other French page is typeset."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from core.typography import FrenchTypographyMiddleware

    def view(typeset):
        def respond(request):
            response = HttpResponse("<p>Statut : publié</p>")
            response["Content-Language"] = "fr"
            response.typeset = typeset
            return response

        return respond

    request = RequestFactory().get("/")
    assert FrenchTypographyMiddleware(view(True))(request).content.decode() == "<p>Statut : publié</p>"
    assert FrenchTypographyMiddleware(view(False))(request).content.decode() == "<p>Statut\u202f: publié</p>"

"""The answer register: exported as XLSX, filled offline, imported back — every answer or none."""

import io
import re

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from consultation import register, services
from consultation.models import Answer, Comment
from consultation.register import RegisterImportRefused, check_register, import_register
from core.errors import PermissionRefused
from core.typography import french_text

from .synthesis_data import OPERATOR_NAME, consultation_world, many_comments

pytestmark = pytest.mark.django_db

HEADERS = [
    "N°", "Exigence / chapitre", "Nature", "Commentaire", "Rédaction proposée", "Type d'organisation",
    "Organisation", "Statut", "Déposé le", "Décision", "Réponse de l'ANS",
]
DECISION, ANSWER = HEADERS.index("Décision") + 1, HEADERS.index("Réponse de l'ANS") + 1


@pytest.fixture
def register_setup(db, editor):
    world = consultation_world()
    world.on_mss1 = world.comment(requirement=world.mss1, body="TLS 1.3 obligatoire ?", kind=Comment.Kind.QUESTION)
    world.on_mss2 = world.comment(author=world.author_b, requirement=world.mss2, body="=1+1 reformuler", proposed_wording="L'opérateur DOIT…")
    world.on_version = world.comment(body="Remarque générale.")
    world.hidden = world.comment(requirement=world.mss2, body="Propos déplacés", status=Comment.Status.HIDDEN, hidden_reason="Injurieux")
    world.answered = world.comment(section=world.directory, body="Chapitre annuaire à revoir.")
    world.answer(world.answered, decision=Answer.Decision.NOTED, body="Noté, merci.", by=editor, carried_by=world.mss2)
    return world


def export(client, world):
    response = client.get(reverse("consultation:register_xlsx", kwargs={"pk": world.consultation.pk}))
    assert response.status_code == 200, response.status_code
    return load_workbook(io.BytesIO(response.content))


def sheet_rows(workbook):
    return [[cell.value for cell in row] for row in workbook.active.iter_rows()]


def row_of(workbook, comment) -> int:
    for index, row in enumerate(workbook.active.iter_rows(values_only=True), start=1):
        if row[0] == comment.pk:
            return index
    raise AssertionError(f"comment {comment.pk} not in the register")


def as_upload(workbook, name="registre.xlsx"):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def xlsx_upload(rows, *, header=("N°", "Décision", "Réponse de l'ANS"), name="registre.xlsx"):
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(list(row))
    return as_upload(workbook, name)


def import_url(world):
    return reverse("consultation:register_import", kwargs={"pk": world.consultation.pk})


def payload_of(response):
    match = re.search(r'name="payload" value="([^"]+)"', response.content.decode())
    return match and match.group(1)


def answer_history_count():
    return Answer.history.count()


def snapshot():
    return sorted(Answer.objects.values_list("comment_id", "decision", "body", "carried_by_id")), answer_history_count()


# Export -----------------------------------------------------------------------------------------


def test_the_register_lists_every_comment_in_document_order_with_its_columns(client_for, editor, register_setup):
    world = register_setup
    rows = sheet_rows(export(client_for(editor), world))
    assert rows[0] == HEADERS
    # Chapter 1.1 (MSS 1), then chapter 2 « Annuaire » itself, then its MSS 2, then the whole version.
    assert [row[0] for row in rows[1:]] == [
        world.on_mss1.pk, world.answered.pk, world.on_mss2.pk, world.hidden.pk, world.on_version.pk,
    ]
    by_id = {row[0]: row for row in rows[1:]}
    assert by_id[world.on_mss1.pk][1:8] == [
        "MSS 1", "Question", "TLS 1.3 obligatoire ?", None, "Opérateur MSSanté", OPERATOR_NAME, "Déposé",
    ]
    assert by_id[world.on_version.pk][1] == "Version entière"
    assert by_id[world.answered.pk][1] == "Annuaire"
    assert by_id[world.answered.pk][DECISION - 1 :] == ["Prise en compte pour information", "Noté, merci."]
    # Editors see everything, hidden text included: it is their register, not the public synthesis.
    assert by_id[world.hidden.pk][3] == "Propos déplacés" and by_id[world.hidden.pk][7] == "Masqué par l'ANS"


def test_the_register_keeps_formulas_as_text(client_for, editor, register_setup):
    workbook = export(client_for(editor), register_setup)
    cell = workbook.active.cell(row=row_of(workbook, register_setup.on_mss2), column=4)
    assert cell.value == "=1+1 reformuler" and cell.data_type == "s"


def test_the_register_export_runs_a_fixed_number_of_queries(client_for, editor):
    world = consultation_world()
    many_comments(world, 10, by=editor)
    client = client_for(editor)
    url = reverse("consultation:register_xlsx", kwargs={"pk": world.consultation.pk})
    client.get(url)  # warm the session and the editor's groups
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    many_comments(world, 90, by=editor)
    with CaptureQueriesContext(connection) as many:
        assert len(sheet_rows(load_workbook(io.BytesIO(client.get(url).content)))) == 101
    assert len(many) == len(few) <= 7


# Round trip -------------------------------------------------------------------------------------


def test_an_exported_register_filled_offline_is_previewed_then_imported(
    client_for, editor, register_setup, mailoutbox, django_capture_on_commit_callbacks
):
    world = register_setup
    client = client_for(editor)
    workbook = export(client, world)
    sheet = workbook.active
    sheet.cell(row=row_of(workbook, world.on_mss1), column=DECISION, value="Acceptée")
    sheet.cell(row=row_of(workbook, world.on_mss1), column=ANSWER, value="Oui : TLS 1.3 au 1er janvier.\r\nDétails en annexe.")
    sheet.cell(row=row_of(workbook, world.on_mss2), column=DECISION, value="refusee")
    sheet.cell(row=row_of(workbook, world.on_mss2), column=ANSWER, value="La rédaction actuelle est conservée.")
    history_before = answer_history_count()

    response = client.post(import_url(world), {"file": as_upload(workbook)})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nouvelles réponses\u202f: 2" in html and "Inchangées\u202f: 1" in html and "Sans réponse\u202f: 2" in html
    assert "Enregistrer les 2 réponses" in html
    assert Answer.objects.count() == 1 and answer_history_count() == history_before  # a preview writes nothing

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(import_url(world), {"payload": payload_of(response)})
    assert response.status_code == 302
    assert response["Location"] == reverse("consultation:synthesis", kwargs={"pk": world.consultation.pk})
    first, second = Answer.objects.get(comment=world.on_mss1), Answer.objects.get(comment=world.on_mss2)
    assert (first.decision, first.body) == (Answer.Decision.ACCEPTED, "Oui : TLS 1.3 au 1er janvier.\nDétails en annexe.")
    assert (second.decision, second.body, second.answered_by) == (Answer.Decision.REJECTED, "La rédaction actuelle est conservée.", editor)
    assert answer_history_count() == history_before + 2
    assert Answer.history.filter(comment_id=world.on_mss1.pk).get().history_change_reason == "Réponse de l'ANS"
    assert len(mailoutbox) == 2  # each author is told, through answer_comment

    # Importing the very same file again changes nothing: no answer rewritten, no history row.
    state = snapshot()
    response = client.post(import_url(world), {"file": as_upload(workbook)})
    html = response.content.decode()
    assert "Rien à enregistrer" in html and "Inchangées\u202f: 3" in html
    assert payload_of(response) is None
    assert snapshot() == state


def test_importing_the_same_rows_again_through_the_service_adds_no_history_row(editor, register_setup):
    world = register_setup
    rows = [{"line": 2, "id": str(world.on_mss1.pk), "decision": "Acceptée", "answer": "D'accord."}]
    assert import_register(consultation=world.consultation, rows=rows, by=editor).new == 1
    state = snapshot()
    result = import_register(consultation=world.consultation, rows=rows, by=editor)
    assert (result.new, result.changed, result.unchanged) == (0, 0, 1)
    assert snapshot() == state


def test_answer_comment_itself_adds_no_history_row_when_nothing_changed(editor, register_setup):
    world = register_setup
    answer = world.answered.answer
    state = snapshot()
    services.answer_comment(comment=world.answered, by=editor, decision=answer.decision, body=answer.body, carried_by=answer.carried_by)
    assert snapshot() == state


def test_a_changed_answer_is_revised_and_keeps_the_requirement_that_carries_it(client_for, editor, register_setup):
    world = register_setup
    client = client_for(editor)
    workbook = export(client, world)
    line = row_of(workbook, world.answered)
    workbook.active.cell(row=line, column=DECISION, value="accepted")
    workbook.active.cell(row=line, column=ANSWER, value="Finalement acceptée : le chapitre est réécrit.")
    response = client.post(import_url(world), {"file": as_upload(workbook)})
    html = response.content.decode()
    assert "Réponses modifiées\u202f: 1" in html and "avant\u202f: Prise en compte pour information" in html
    history_before = answer_history_count()
    client.post(import_url(world), {"payload": payload_of(response)})
    answer = Answer.objects.get(comment=world.answered)
    assert (answer.decision, answer.body, answer.carried_by) == (
        Answer.Decision.ACCEPTED, "Finalement acceptée : le chapitre est réécrit.", world.mss2,
    )
    assert answer_history_count() == history_before + 1
    assert answer.history.first().history_change_reason == "Réponse révisée"


@pytest.mark.parametrize(
    "spelling, decision",
    [
        ("Acceptée", Answer.Decision.ACCEPTED),
        ("ACCEPTEE", Answer.Decision.ACCEPTED),
        (" partiellement  ACCEPTÉE ", Answer.Decision.PARTLY_ACCEPTED),
        ("partly_accepted", Answer.Decision.PARTLY_ACCEPTED),
        ("Refusée", Answer.Decision.REJECTED),
        ("rejected", Answer.Decision.REJECTED),
        ("prise en compte pour information", Answer.Decision.NOTED),
        ("Transmise à une autre équipe", Answer.Decision.FORWARDED),
        ("forwarded", Answer.Decision.FORWARDED),
    ],
)
def test_decisions_are_read_from_their_french_labels_or_codes(register_setup, spelling, decision):
    world = register_setup
    [row] = check_register(world.consultation, [{"line": 2, "id": str(world.on_mss1.pk), "decision": spelling, "answer": "Texte."}])
    assert row.problems == [] and row.decision == decision and row.outcome == "new"


# Refused rows -----------------------------------------------------------------------------------


def rows_for(world, other_comment):
    """Cases: (rows of the file, expected problem). Each file also holds one valid row, which must not be written."""
    valid = (world.on_mss1.pk, "Acceptée", "Bonne idée.")
    return {
        "unknown id": ([valid, (999999, "Acceptée", "Réponse.")], "Aucun commentaire ne porte le n° 999999."),
        "id that is not a number": ([valid, ("abc", "Acceptée", "Réponse.")], "« abc » n'est pas un n° de commentaire."),
        "missing id": ([valid, ("", "Acceptée", "Réponse.")], "Le n° du commentaire est manquant."),
        "unknown decision": ([valid, (world.on_mss2.pk, "Validée", "Réponse.")], "Décision « Validée » inconnue"),
        "comment of another consultation": (
            [valid, (other_comment.pk, "Acceptée", "Réponse.")],
            f"Le commentaire n° {other_comment.pk} appartient à une autre concertation",
        ),
        "decision without answer": ([valid, (world.on_mss2.pk, "Refusée", "")], "La décision n'a pas de réponse"),
        "answer without decision": ([valid, (world.on_mss2.pk, "", "Une réponse.")], "La réponse n'a pas de décision"),
        "duplicate id": (
            [valid, (world.on_mss1.pk, "Refusée", "Autre avis.")],
            f"Le commentaire n° {world.on_mss1.pk} figure déjà ligne 2 du fichier.",
        ),
        "erased answer": ([valid, (world.answered.pk, "", "")], "déjà une réponse, qui ne peut pas être effacée"),
        "answer too long": ([valid, (world.on_mss2.pk, "Refusée", "x" * 10_001)], "La réponse dépasse 10000 caractères"),
    }


CASES = [
    "unknown id", "id that is not a number", "missing id", "unknown decision", "comment of another consultation",
    "decision without answer", "answer without decision", "duplicate id", "erased answer", "answer too long",
]


@pytest.mark.parametrize("case", CASES)
def test_a_file_with_one_bad_row_is_refused_whole_and_changes_nothing(client_for, editor, register_setup, case):
    world = register_setup
    other = consultation_world()
    other_comment = other.comment(author=world.author_a, requirement=other.mss1)
    rows, problem = rows_for(world, other_comment)[case]
    state = snapshot()
    client = client_for(editor)

    response = client.post(import_url(world), {"file": xlsx_upload(rows)})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 problème empêche l’import" in html
    assert french_text(problem) in html  # as a French reader sees it
    assert payload_of(response) is None
    assert snapshot() == state

    raw = [{"line": line, "id": str(pk), "decision": d, "answer": a} for line, (pk, d, a) in enumerate(rows, start=2)]
    with pytest.raises(RegisterImportRefused) as refused:
        import_register(consultation=world.consultation, rows=raw, by=editor)
    assert any(problem in text for text in refused.value.problems), refused.value.problems
    assert snapshot() == state


def test_every_problem_of_every_row_is_listed(register_setup):
    world = register_setup
    rows = [
        {"line": 2, "id": "999999", "decision": "Peut-être", "answer": ""},
        {"line": 3, "id": str(world.on_mss1.pk), "decision": "", "answer": "Sans décision."},
    ]
    problems = register.problems_of(check_register(world.consultation, rows))
    assert problems[0] == "Ligne 2 : Aucun commentaire ne porte le n° 999999."
    assert problems[1].startswith("Ligne 2 : Décision « Peut-être » inconnue : indiquez « Acceptée », « Partiellement acceptée »")
    assert problems[2].startswith("Ligne 2 : La décision n'a pas de réponse")
    assert problems[3].startswith("Ligne 3 : La réponse n'a pas de décision")


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("registre.csv", b"N\xc2\xb0;D\xc3\xa9cision\n1;Accept\xc3\xa9e\n"), "déposez un fichier .xlsx"),
        (SimpleUploadedFile("registre.xlsx", b"not a zip at all"), "Ce fichier .xlsx est illisible"),
        (SimpleUploadedFile("registre.xlsx", b""), "est vide"),
        ("missing columns", "Colonnes manquantes : « Réponse de l&#x27;ANS »"),
        ("header only", "aucune ligne après les en-têtes"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(client_for, editor, register_setup, upload, message):
    if upload == "missing columns":
        upload = xlsx_upload([(register_setup.on_mss1.pk, "Acceptée")], header=("N°", "Décision"))
    elif upload == "header only":
        upload = xlsx_upload([])
    state = snapshot()
    response = client_for(editor).post(import_url(register_setup), {"file": upload})
    assert response.status_code == 400
    assert french_text(message.replace("&#x27;", "'")) in response.content.decode()  # as a French reader sees it
    assert snapshot() == state


def test_a_tampered_or_foreign_payload_is_refused(client_for, editor, register_setup):
    world = register_setup
    client = client_for(editor)
    response = client.post(import_url(world), {"payload": "abc:def"}, follow=True)
    assert "Cet aperçu a expiré, a été altéré" in response.content.decode().replace("&#x27;", "'")
    other = consultation_world()
    foreign = signing.dumps(
        {"consultation": other.consultation.pk, "filename": "x.xlsx", "rows": [{"line": 2, "id": "1", "decision": "Acceptée", "answer": "x"}]},
        salt="consultation.register-import",
        compress=True,
    )
    response = client.post(import_url(world), {"payload": foreign}, follow=True)
    assert "concerne une autre concertation" in response.content.decode()
    assert Answer.objects.count() == 1


# Permissions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "contributor"])
def test_only_editors_export_and_import_the_register(client_for, editor, register_setup, who):
    world = register_setup
    user = None if who == "anonymous" else world.author_a
    client = client_for(user)
    preview = client_for(editor).post(import_url(world), {"file": xlsx_upload([(world.on_mss1.pk, "Acceptée", "Oui.")])})
    payload = payload_of(preview)
    assert payload
    state = snapshot()

    assert client.get(reverse("consultation:register_xlsx", kwargs={"pk": world.consultation.pk})).status_code == 403
    assert client.get(import_url(world)).status_code == 403
    assert client.post(import_url(world), {"file": xlsx_upload([(world.on_mss1.pk, "Acceptée", "Oui.")])}).status_code == 403
    assert client.post(import_url(world), {"payload": payload}).status_code == 403
    assert snapshot() == state


def test_the_import_service_refuses_a_non_editor(register_setup):
    world = register_setup
    state = snapshot()
    with pytest.raises(PermissionRefused):
        import_register(
            consultation=world.consultation,
            rows=[{"line": 2, "id": str(world.on_mss1.pk), "decision": "Acceptée", "answer": "Oui."}],
            by=world.author_a,
        )
    assert snapshot() == state


def test_the_import_page_shows_the_accepted_decisions(client_for, editor, register_setup):
    html = client_for(editor).get(import_url(register_setup)).content.decode()
    assert "Décisions possibles\u202f: «\u202fAcceptée\u202f», «\u202fPartiellement acceptée\u202f», «\u202fRefusée\u202f»" in html

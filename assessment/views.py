"""Self-assessment pages: parse the request, call a query or a service, render.

Nothing of an assessment is public: every page of one goes through ``queries.assessment_for``, so
another organisation's assessment is a 404, never a 403 that would confirm it exists. The one
public page is the attestation check, which answers only whether a document matches a submission.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.documents import document_response
from core.errors import DomainError
from core.roles import is_editor
from core.tabular import XLSX_CONTENT_TYPE, download
from core.web import add_errors_to_form, breadcrumb, read_signed_preview, sign_preview
from referential.compare import redline
from referential.models import Actor, ReferentialVersion

from . import grid_io, queries, services
from .attestation import action_plan_document
from .forms import AnswerForm, EvidenceForm, VerifyForm
from .models import Assessment, PublishedAggregate, Result, Submission


def _list_link():
    return (reverse("assessment:list"), _("Autoévaluations"))


def _assessment_link(assessment):
    return (assessment.get_absolute_url(), str(assessment.version))


def _private(response):
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def assessment_list(request):
    may_start = True
    try:
        services.member_organisation(request.user)
    except DomainError:
        may_start = False
    return _private(render(
        request,
        "assessment/assessment_list.html",
        {
            "assessments": queries.assessments_visible_to(request.user).order_by("-created_at"),
            "options": queries.assessable_options() if may_start else [],
            "is_editor": is_editor(request.user),
            "breadcrumb_data": breadcrumb(_("Autoévaluations")),
        },
    ))


@login_required
@require_POST
def assessment_start(request):
    version = get_object_or_404(ReferentialVersion.objects.published(), pk=_as_int(request.POST.get("version")))
    actor = get_object_or_404(Actor, pk=_as_int(request.POST.get("actor")))
    try:
        assessment = services.start_assessment(version=version, actor=actor, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("assessment:list")
    return redirect(assessment)


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


RESULT_FILTERS = {value for value in Result.values}
ROWS_PER_PAGE = 100


def _grid_context(request, assessment, *, problems=None):
    grid = queries.assessment_grid(assessment, with_statements=False)
    result = request.GET.get("resultat")
    rows = [row for row in grid.rows if row.answer.result == result] if result in RESULT_FILTERS else grid.rows
    # The summary covers every requirement; the table shows them a page at a time, so a 2,000-requirement
    # grid renders as fast as a 100-requirement one.
    rows_page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    member = not is_editor(request.user)
    review = queries.review_comments_by_requirement(assessment) if assessment.status == Assessment.Status.CHANGES_REQUESTED else {}
    return {
        "assessment": assessment,
        "grid": grid,
        "rows": rows_page,
        "page_query": urlencode({"resultat": result}) if result in RESULT_FILTERS else "",
        "result_filter": result if result in RESULT_FILTERS else "",
        "results": Result.choices,
        "problems": problems,
        "submissions": list(assessment.submissions.order_by("-number")),
        "may_edit": member,
        "review": review,
        "review_general": review.get(None, []),
        "breadcrumb_data": breadcrumb(str(assessment.version), _list_link()),
    }


@login_required
@require_GET
def assessment_detail(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    return _private(render(request, "assessment/assessment_detail.html", _grid_context(request, assessment)))


@login_required
@require_POST
def assessment_submit(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    try:
        submission = services.submit_assessment(assessment=assessment, by=request.user)
    except services.SubmissionRefused as error:
        context = _grid_context(request, assessment, problems=[str(p) for p in error.problems])
        return _private(render(request, "assessment/assessment_detail.html", context, status=409))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(assessment)
    messages.success(request, _("Révision %(number)s soumise : son attestation est prête.") % {"number": submission.number})
    return redirect("assessment:submission", pk=assessment.pk, number=submission.number)


@login_required
@require_http_methods(["GET", "POST"])
def answer_edit(request, pk, answer_pk):
    assessment = queries.assessment_for(request.user, pk)
    answer = queries.answer_for(assessment, answer_pk)
    initial = {
        "result": answer.result,
        "justification": answer.justification,
        "owner": answer.owner,
        "planned_date": answer.planned_date,
        "revision": answer.revision,
    }
    form = AnswerForm(request.POST or None, initial=initial, auto_id="reponse-%s")
    if request.method == "POST" and form.is_valid():
        try:
            services.update_answer(answer=answer, by=request.user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_errors_to_form(form, error)
        else:
            messages.success(request, _("Réponse à %(key)s enregistrée.") % {"key": answer.requirement.key})
            return redirect(f"{assessment.get_absolute_url()}#exigence-{answer.pk}")
    return _answer_page(request, assessment, answer, form, EvidenceForm(auto_id="preuve-%s"))


def _answer_page(request, assessment, answer, form, evidence_form, status=200):
    carried = answer.carried_from
    reworded = (
        redline(carried.requirement.statement, answer.requirement.statement)
        if carried is not None and carried.requirement.statement != answer.requirement.statement
        else None
    )
    return _private(render(
        request,
        "assessment/answer_form.html",
        {
            "assessment": assessment,
            "answer": answer,
            "form": form,
            "evidence_form": evidence_form,
            "evidence": answer.evidence.filter(withdrawn_at__isnull=True),
            "reworded": reworded,
            "review": queries.review_comments_by_requirement(assessment).get(answer.requirement_id, [])
            if assessment.status == Assessment.Status.CHANGES_REQUESTED else [],
            "may_edit": not is_editor(request.user),
            "breadcrumb_data": breadcrumb(answer.requirement.key, _list_link(), _assessment_link(assessment)),
        },
        status=status,
    ))


@login_required
@require_POST
def evidence_add(request, pk, answer_pk):
    assessment = queries.assessment_for(request.user, pk)
    answer = queries.answer_for(assessment, answer_pk)
    form = EvidenceForm(request.POST, request.FILES, auto_id="preuve-%s")
    if form.is_valid():
        try:
            services.add_evidence(
                answer=answer,
                by=request.user,
                effective_date=form.cleaned_data["effective_date"],
                label=form.cleaned_data["label"],
                upload=form.cleaned_data["document"],
                link=form.cleaned_data["link"],
            )
        except (DomainError, ValidationError) as error:
            add_errors_to_form(form, error)
        else:
            messages.success(request, _("Preuve ajoutée."))
            return redirect("assessment:answer", pk=assessment.pk, answer_pk=answer.pk)
    answer_form = AnswerForm(initial={"result": answer.result, "justification": answer.justification, "owner": answer.owner,
                                      "planned_date": answer.planned_date, "revision": answer.revision}, auto_id="reponse-%s")
    return _answer_page(request, assessment, answer, answer_form, form, status=400)


@login_required
@require_POST
def evidence_withdraw(request, pk):
    evidence = queries.evidence_for(request.user, pk)
    try:
        services.withdraw_evidence(evidence=evidence, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Preuve retirée (elle reste dans l'historique)."))
    return redirect("assessment:answer", pk=evidence.answer.assessment_id, answer_pk=evidence.answer_id)


@login_required
@require_GET
def evidence_file(request, pk):
    evidence = queries.evidence_for(request.user, pk)
    if not evidence.file:
        raise Http404
    return _private(FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename))


@login_required
@require_GET
def submission_detail(request, pk, number):
    assessment = queries.assessment_for(request.user, pk)
    submission = queries.submission_for(assessment, number)
    editor = is_editor(request.user)
    latest = assessment.submissions.order_by("-number").values_list("number", flat=True).first()
    return _private(render(
        request,
        "assessment/submission_detail.html",
        {
            "assessment": assessment,
            "submission": submission,
            "s": submission.snapshot,
            "review_comments": list(submission.review_comments.select_related("requirement", "author")),
            "may_review": editor and latest == submission.number and assessment.status == Assessment.Status.SUBMITTED,
            "breadcrumb_data": breadcrumb(
                _("Révision %(number)s") % {"number": submission.number}, _list_link(), _assessment_link(assessment)
            ),
        },
    ))


@login_required
@require_GET
def attestation_pdf(request, pk, number):
    assessment = queries.assessment_for(request.user, pk)
    submission = queries.submission_for(assessment, number)
    filename = f"attestation_{assessment.version.referential.slug}_v{assessment.version.number}_r{submission.number}.pdf"
    response = FileResponse(submission.attestation.open("rb"), content_type="application/pdf", as_attachment=True, filename=filename)
    response["ETag"] = f'"{submission.attestation_sha256}"'
    return _private(response)


@login_required
@require_POST
def request_changes(request, pk, number):
    if not is_editor(request.user):
        raise Http404
    assessment = queries.assessment_for(request.user, pk)
    submission = queries.submission_for(assessment, number)
    requirements = {a.requirement_id: a.requirement for a in assessment.answers.select_related("requirement")}
    comments = {None: request.POST.get("general", "")}
    for requirement_id, requirement in requirements.items():
        body = request.POST.get(f"exigence-{requirement_id}", "")
        if body.strip():
            comments[requirement] = body
    try:
        services.request_changes(submission=submission, by=request.user, comments=comments)
    except (DomainError, ValidationError) as error:
        messages.error(request, getattr(error, "message", None) or " ".join(error.messages))
    else:
        messages.success(request, _("Demande de modification envoyée à l'organisation."))
    return redirect("assessment:submission", pk=assessment.pk, number=submission.number)


@require_http_methods(["GET", "POST"])
def verify(request):
    """Anyone holding an attestation checks it: the answer is yes or no, and nothing else."""
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    matches = None
    if request.method == "POST" and form.is_valid():
        sha256 = form.cleaned_data["sha256"]
        if form.cleaned_data["document"] is not None:
            digest = hashlib.sha256()
            for chunk in form.cleaned_data["document"].chunks():
                digest.update(chunk)
            sha256 = digest.hexdigest()
        matches = Submission.objects.filter(attestation_sha256=sha256).exists()
    return render(
        request,
        "assessment/verify.html",
        {"form": form, "matches": matches, "breadcrumb_data": breadcrumb(_("Vérifier une attestation"))},
    )


@login_required
@require_GET
def dashboard(request):
    """Editors only; anyone else gets a 404 (the page's existence is nobody else's business)."""
    if not is_editor(request.user):
        raise Http404
    versions = queries.dashboard_versions()
    selected = _as_int(request.GET.get("version"))
    version = next((v for v in versions if v.pk == selected), None) or next(
        (v for v in versions if v.status == ReferentialVersion.Status.PUBLISHED), versions[0] if versions else None
    )
    return _private(render(
        request,
        "assessment/dashboard.html",
        {
            "versions": versions,
            "version": version,
            "board": queries.dashboard(version) if version else None,
            "aggregate": PublishedAggregate.objects.filter(version=version).first() if version else None,
            "aggregate_minimum": services.aggregate_min_organisations(),
            "breadcrumb_data": breadcrumb(_("Tableau de bord"), _list_link()),
        },
    ))


# The anonymous summary an editor may publish ------------------------------------------------------


def _aggregate_action(request, version_pk, action, done: str):
    """Run ``action`` (a service taking ``version`` and ``by``) on the summary of a version, then back
    to the dashboard with ``done`` or the refusal. Editors only: a 404 for anyone else, like the dashboard."""
    if not is_editor(request.user):
        raise Http404
    version = get_object_or_404(ReferentialVersion, pk=version_pk)
    try:
        action(version=version, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done % {"version": version})
    return redirect(f"{reverse('assessment:dashboard')}?{urlencode({'version': version.pk})}")


@require_POST
def aggregate_publish(request, version_pk):
    return _aggregate_action(
        request, version_pk, services.publish_aggregate, _("La synthèse anonyme des autoévaluations de %(version)s est publiée.")
    )


@require_POST
def aggregate_withdraw(request, version_pk):
    return _aggregate_action(
        request, version_pk, services.withdraw_aggregate, _("La synthèse anonyme des autoévaluations de %(version)s est retirée.")
    )


def _aggregates_link():
    return (reverse("assessment:aggregates"), _("Synthèses des autoévaluations"))


@require_GET
def aggregate_list(request):
    """Public: the summaries the ANS published, newest first."""
    aggregates = PublishedAggregate.objects.select_related("version__referential").order_by("-published_at")
    return render(
        request,
        "assessment/aggregate_list.html",
        {"aggregates": aggregates, "breadcrumb_data": breadcrumb(_("Synthèses des autoévaluations"))},
    )


@require_GET
def aggregate_detail(request, version_pk):
    """Public once published; 404 before (nothing of an assessment is public until the ANS says so)."""
    aggregate = get_object_or_404(PublishedAggregate.objects.select_related("version__referential"), version_id=version_pk)
    verdicts = aggregate.figures.get("verdicts", {})
    return render(
        request,
        "assessment/aggregate_detail.html",
        {
            "aggregate": aggregate,
            "version": aggregate.version,
            "verdicts": [(label, verdicts.get(value, 0)) for value, label in Submission.Verdict.choices],
            "gaps": aggregate.figures.get("gaps", []),
            "assessments": aggregate.figures.get("assessments", 0),
            "breadcrumb_data": breadcrumb(str(aggregate.version), _aggregates_link()),
        },
    )


# Offline work: exports, action plan, import ---------------------------------------------------------

IMPORT_SALT = "assessment.grid-import"


def _export_name(assessment, what, extension):
    version = assessment.version
    return f"{what}_{version.referential.slug}_v{version.number}_{assessment.pk}.{extension}"


@login_required
@require_GET
def export_xlsx(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    content = grid_io.grid_xlsx(queries.assessment_grid(assessment))
    return _private(download(content, filename=_export_name(assessment, "autoevaluation", "xlsx"), content_type=XLSX_CONTENT_TYPE))


@login_required
@require_GET
def export_csv(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    content = grid_io.grid_csv(queries.assessment_grid(assessment))
    return _private(download(content, filename=_export_name(assessment, "autoevaluation", "csv"), content_type="text/csv; charset=utf-8"))


@login_required
@require_GET
def action_plan_xlsx(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    content = grid_io.action_plan_xlsx(queries.assessment_grid(assessment))
    return _private(download(content, filename=_export_name(assessment, "plan-action", "xlsx"), content_type=XLSX_CONTENT_TYPE))


@login_required
@require_GET
def action_plan_pdf(request, pk):
    assessment = queries.assessment_for(request.user, pk)
    document = action_plan_document(queries.assessment_grid(assessment), filename=_export_name(assessment, "plan-action", "pdf"))
    return document_response(request, document, cache_control="private, no-store", attachment=True)


@login_required
@require_http_methods(["GET", "POST"])
def import_xlsx(request, pk):
    """Upload the filled grid → preview of every change and every problem, line by line → confirm,
    which writes every change or none."""
    assessment = queries.assessment_for(request.user, pk)
    if is_editor(request.user):
        raise Http404
    context = {
        "assessment": assessment,
        "breadcrumb_data": breadcrumb(_("Importer la grille"), _list_link(), _assessment_link(assessment)),
    }
    status = 200
    if request.method == "POST" and "payload" in request.POST:
        data = read_signed_preview(request, salt=IMPORT_SALT, scope="assessment", pk=assessment.pk)
        if data is None:
            messages.error(request, _("Cet aperçu a expiré ou a été altéré : déposez à nouveau le fichier."))
            return redirect("assessment:import_xlsx", pk=assessment.pk)
        try:
            changed = services.import_grid(assessment=assessment, rows=data["rows"], revisions=data["revisions"], by=request.user)
        except (DomainError, ValidationError) as error:
            context["refusal"] = getattr(error, "message", "")
            context["problems"] = [str(p) for p in getattr(error, "problems", [])]
            return _private(render(request, "assessment/import.html", context, status=409))
        messages.success(request, _("Grille importée : %(count)s exigence(s) modifiée(s).") % {"count": changed})
        return redirect(assessment)
    if request.method == "POST":
        try:
            rows = grid_io.read_grid_file(request.FILES.get("file"))
        except grid_io.GridFileError as error:
            context["file_error"] = error.message
            status = 400
        else:
            checked = grid_io.check_import(assessment, queries.assessment_grid(assessment), rows)
            problems = grid_io.import_problems(checked)
            context.update(
                filename=request.FILES["file"].name,
                changed_rows=[row for row in checked if row.changes],
                problems=problems,
                unchanged=sum(1 for row in checked if not row.changes and not row.problems),
            )
            if not problems and context["changed_rows"]:
                context["payload"] = sign_preview(
                    {"assessment": assessment.pk, "rows": rows, "revisions": {r.key: r.revision for r in checked}},
                    salt=IMPORT_SALT,
                )
    return _private(render(request, "assessment/import.html", context, status=status))

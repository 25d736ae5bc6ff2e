"""Consultation pages: parse the request, call a query or a service, render.

The public reads consultations and published syntheses; contributors comment while a consultation is
open; editors answer, moderate, import the answer register and publish the synthesis.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Organisation
from core.documents import document_response
from core.errors import DomainError, PermissionRefused
from core.roles import is_editor
from core.tabular import XLSX_CONTENT_TYPE, csv_download, download, xlsx_download
from core.web import (
    add_error_messages,
    add_errors_to_form,
    breadcrumb,
    error_status,
    read_signed_preview,
    require_editor,
    sign_preview,
)

from . import queries, register, services, synthesis
from .errors import ConsultationClosed
from .forms import (
    AnswerForm,
    ApplyWordingForm,
    AssignForm,
    BulkAnswerForm,
    CommentEditForm,
    CommentForm,
    HideCommentForm,
    InternalNoteForm,
)
from .models import Answer, Comment

REGISTER_SALT = "consultation.register-import"


@require_GET
def register_xlsx(request, pk):
    """The answer register of every comment, for editors to fill offline and import back."""
    require_editor(request)
    consultation = queries.consultation_with_version(pk)
    response = download(
        register.register_xlsx(consultation), filename=register.register_filename(consultation), content_type=XLSX_CONTENT_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def register_import(request, pk):
    """Upload the filled register → preview of every change and every problem → confirm, which writes
    all the answers or none."""
    require_editor(request)
    consultation = queries.consultation_with_version(pk)
    context = {
        "consultation": consultation,
        "decision_labels": register.decision_labels(),
        "breadcrumb_data": _consultation_breadcrumb(consultation, _("Importer le registre des réponses")),
    }
    if request.method == "POST" and "payload" in request.POST:
        return _confirm_register_import(request, consultation, context)
    if request.method == "POST":
        try:
            upload = register.read_register_file(request.FILES.get("file"))
        except register.RegisterFileError as error:
            context["file_error"] = error.message
        else:
            _register_preview(context, consultation, upload.filename, register.check_register(consultation, upload.rows))
    return render(request, "consultation/register_import.html", context, status=400 if "file_error" in context else 200)


def _register_preview(context, consultation, filename, rows):
    writing = [row for row in rows if row.writes]
    context.update(
        filename=filename,
        rows=rows,
        shown_rows=[row for row in rows if row.problems or row.writes],
        problems=register.problems_of(rows),
        counts=register.outcome_counts(rows),
    )
    if writing and not context["problems"]:
        # Only the rows that write travel to the confirmation; they are checked again there.
        context["payload"] = sign_preview(
            {"consultation": consultation.pk, "filename": filename, "rows": [row.raw for row in writing]},
            salt=REGISTER_SALT,
        )


def _confirm_register_import(request, consultation, context):
    data = read_signed_preview(request, salt=REGISTER_SALT, scope="consultation", pk=consultation.pk)
    if data is None:
        messages.error(request, _("Cet aperçu a expiré, a été altéré ou concerne une autre concertation : déposez à nouveau le fichier."))
        return redirect("consultation:register_import", pk=consultation.pk)
    try:
        result = register.import_register(consultation=consultation, rows=data["rows"], by=request.user)
    except DomainError as error:
        # Answers changed since the preview: show the rows again, with today's problems.
        _register_preview(context, consultation, data.get("filename", ""), register.check_register(consultation, data["rows"]))
        context.update(refusal=error.message, payload=None)
        return render(request, "consultation/register_import.html", context, status=409)
    messages.success(
        request,
        ngettext(
            "Registre « %(name)s » importé : %(count)s réponse enregistrée (nouvelles : %(new)s, modifiées : %(changed)s).",
            "Registre « %(name)s » importé : %(count)s réponses enregistrées (nouvelles : %(new)s, modifiées : %(changed)s).",
            result.new + result.changed,
        )
        % {"name": data.get("filename", ""), "count": result.new + result.changed, "new": result.new, "changed": result.changed},
    )
    return redirect("consultation:synthesis", pk=consultation.pk)


@require_GET
def synthesis_page(request, pk):
    """The synthesis: public once published; before that, editors see it as a preview, and others
    are told it is not published yet (404: there is nothing to read nor to cache)."""
    if not is_editor(request.user):
        consultation = queries.consultation_for(request.user, pk)
        if not consultation.synthesis_is_published:
            return _private_if_unpublished(
                render(
                    request,
                    "consultation/synthesis_pending.html",
                    {
                        "consultation": consultation,
                        "breadcrumb_data": _consultation_breadcrumb(consultation, _("Synthèse")),
                    },
                    status=404,
                ),
                consultation,
            )
    consultation = queries.synthesis_consultation(request.user, pk)
    context = synthesis.synthesis_context(consultation)
    context.update(
        is_editor=is_editor(request.user),
        can_publish=consultation.is_closed() and not consultation.synthesis_is_published,
        breadcrumb_data=_consultation_breadcrumb(consultation, _("Synthèse")),
    )
    response = render(request, "consultation/synthesis.html", context)
    return _private_if_unpublished(response, consultation)


def _private_if_unpublished(response, consultation):
    if not consultation.synthesis_is_published:
        response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def synthesis_publish(request, pk):
    require_editor(request)
    consultation = queries.consultation_with_version(pk)
    intro = request.POST.get("intro")
    try:
        services.publish_synthesis(consultation=consultation, by=request.user, intro=intro.strip() if intro is not None else None)
    except DomainError as error:
        add_error_messages(request, error)
    else:
        messages.success(request, _("La synthèse est publiée : tout le monde peut la lire et la télécharger."))
    return redirect("consultation:synthesis", pk=consultation.pk)


@require_GET
def synthesis_pdf(request, pk):
    """The synthesis' stored PDF, laid out once per content (``core.documents``)."""
    consultation = queries.synthesis_consultation(request.user, pk)
    cache_control = "public, max-age=300" if consultation.synthesis_is_published else "private, no-store"
    return document_response(request, synthesis.synthesis_document(consultation), cache_control=cache_control)


@require_GET
def synthesis_xlsx(request, pk):
    consultation = queries.synthesis_consultation(request.user, pk)
    table = synthesis.synthesis_table(consultation)
    response = xlsx_download(
        synthesis.synthesis_filename(consultation, "xlsx"),
        table.headers,
        table.rows,
        sheet_title=table.sheet_title,
        widths=table.widths,
    )
    return _private_if_unpublished(response, consultation)


@require_GET
def synthesis_csv(request, pk):
    consultation = queries.synthesis_consultation(request.user, pk)
    table = synthesis.synthesis_table(consultation)
    response = csv_download(synthesis.synthesis_filename(consultation, "csv"), table.headers, table.rows)
    return _private_if_unpublished(response, consultation)


def _my_comments(request, pk):
    if not request.user.is_authenticated:
        raise PermissionDenied(_("Connectez-vous pour télécharger vos commentaires."))
    consultation = queries.consultation_with_version(pk)
    return consultation, synthesis.my_comments_table(consultation, request.user)


@require_GET
def my_comments_xlsx(request, pk):
    """The signed-in user's own comments on the consultation, every status, with the answers."""
    consultation, table = _my_comments(request, pk)
    response = xlsx_download(
        synthesis.my_comments_filename(consultation, "xlsx"),
        table.headers,
        table.rows,
        sheet_title=table.sheet_title,
        widths=table.widths,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def my_comments_csv(request, pk):
    consultation, table = _my_comments(request, pk)
    response = csv_download(synthesis.my_comments_filename(consultation, "csv"), table.headers, table.rows)
    response["Cache-Control"] = "private, no-store"
    return response


# Consultations: the list, a consultation's page, contributors' comments, the editors' dashboard ------
#
# The services decide who may write and when; these views only ask them, and show a refusal as a page
# whose status says what happened: 403 (not yours, not allowed) or 409 (window closed, comment withdrawn).


def _consultations_link():
    return (reverse("consultation:consultation_list"), _("Concertations"))


def _consultation_breadcrumb(consultation, current):
    return breadcrumb(current, _consultations_link(), (consultation.get_absolute_url(), str(consultation)))


def _refused(request, error, consultation):
    status = error_status(error)
    context = {
        "consultation": consultation,
        "message": error.message,
        "breadcrumb_data": _consultation_breadcrumb(consultation, _("Action refusée")),
    }
    return render(request, "consultation/refused.html", context, status=status)


def _next_url(request, default: str) -> str:
    """Where to go after a write: the page the form came from, if it is one of ours."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    # A path of ours only: anything else (« -1 ») would be taken by ``redirect`` for a view name.
    if candidate.startswith("/") and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return default


def _at_message(url: str) -> str:
    """``url`` landing on the page's message (templates/_messages.html), not somewhere below it."""
    return url.split("#", 1)[0] + "#message"


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@require_GET
def consultation_list(request):
    consultations = queries.consultations_for_list(request.user)
    for consultation in consultations:
        consultation.phase = queries.consultation_phase(consultation)
    return render(
        request,
        "consultation/consultation_list.html",
        {"consultations": consultations, "breadcrumb_data": breadcrumb(_("Concertations"))},
    )


@require_GET
def consultation_detail(request, pk):
    consultation = queries.consultation_for(request.user, pk)
    refusal = services.comment_refusal(consultation, request.user)
    editor = is_editor(request.user)
    return render(
        request,
        "consultation/consultation_detail.html",
        {
            "consultation": consultation,
            "phase": queries.consultation_phase(consultation),
            "refusal": refusal,
            "may_comment": refusal is None,
            "form": CommentForm(auto_id="version-%s") if refusal is None else None,
            "own_comments": queries.own_comments(request.user, consultation),
            "counts": queries.dashboard_counts(consultation) if editor else None,
            "login_url": f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}",
            "breadcrumb_data": breadcrumb(str(consultation), _consultations_link()),
        },
    )


@require_http_methods(["GET", "POST"])
def comment_create(request, pk):
    """The comment form on its own page (``?exigence=<id>`` or ``?chapitre=<id>``, else the whole
    version); the forms of the version and requirement pages post here too."""
    consultation = queries.consultation_for(request.user, pk)
    if not request.user.is_authenticated:
        # A reader is sent to log in; a form posted without a session is refused outright.
        if request.method == "POST":
            raise PermissionDenied
        return redirect_to_login(request.get_full_path())
    source = request.POST if request.method == "POST" else request.GET
    requirement_id = _as_int(source.get("requirement") or source.get("exigence"))
    section_id = _as_int(source.get("section") or source.get("chapitre"))
    # Before anything is rendered: a target outside the consulted version is a 404, in GET and POST.
    requirement, section = queries.comment_target(consultation, requirement_id, section_id)
    refusal = services.comment_refusal(consultation, request.user)
    if refusal is not None:
        return _refused(request, refusal, consultation)
    statement = requirement.statement if requirement else None
    status = 200
    if request.method == "POST":
        form = CommentForm(request.POST, statement=statement)
        if form.is_valid():
            try:
                services.submit_comment(
                    consultation=consultation,
                    author=request.user,
                    kind=form.cleaned_data["kind"],
                    body=form.cleaned_data["body"],
                    proposed_wording=form.cleaned_data.get("proposed_wording", ""),
                    requirement=requirement,
                    section=section,
                )
            except ValidationError as error:
                add_errors_to_form(form, error)
            except (PermissionRefused, ConsultationClosed) as error:
                return _refused(request, error, consultation)
            else:
                messages.success(
                    request,
                    _("Votre commentaire est enregistré. Vous pouvez le modifier ou le retirer jusqu'à la clôture de la concertation."),
                )
                return redirect(_at_message(_next_url(request, consultation.get_absolute_url())))
        status = 400
    else:
        form = CommentForm(
            initial={
                "requirement": requirement.pk if requirement else None,
                "section": section.pk if section else None,
                "proposed_wording": statement,
            },
            statement=statement,
        )
    return render(
        request,
        "consultation/comment_form.html",
        {
            "consultation": consultation,
            "form": form,
            "requirement": requirement,
            "section": section,
            "next": _next_url(request, ""),
            "breadcrumb_data": _consultation_breadcrumb(consultation, _("Commenter")),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def comment_edit(request, pk):
    if not request.user.is_authenticated:
        if request.method == "POST":
            raise PermissionDenied
        return redirect_to_login(request.get_full_path())
    comment = queries.comment_to_write(request.user, pk)
    consultation = comment.consultation
    status = 200
    if request.method == "POST":
        form = CommentEditForm(request.POST, offers_wording=comment.requirement_id is not None)
        if form.is_valid():
            try:
                services.edit_comment(comment=comment, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_errors_to_form(form, error)
            except DomainError as error:
                return _refused(request, error, consultation)
            else:
                messages.success(request, _("Votre commentaire est modifié ; la version précédente reste dans son historique."))
                return redirect(_at_message(_next_url(request, consultation.get_absolute_url())))
        status = 400
    else:
        if comment.author_id != request.user.pk:
            return _refused(request, PermissionRefused(_("Vous ne pouvez modifier que vos propres commentaires.")), consultation)
        refusal = services.comment_refusal(consultation, request.user)
        if refusal is not None:
            return _refused(request, refusal, consultation)
        form = CommentEditForm(
            initial={"kind": comment.kind, "body": comment.body, "proposed_wording": comment.proposed_wording},
            offers_wording=comment.requirement_id is not None,
        )
    return render(
        request,
        "consultation/comment_form.html",
        {
            "consultation": consultation,
            "form": form,
            "comment": comment,
            "requirement": comment.requirement,
            "section": comment.section,
            "next": _next_url(request, ""),
            "breadcrumb_data": _consultation_breadcrumb(consultation, _("Modifier mon commentaire")),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def comment_withdraw(request, pk):
    """GET asks for confirmation (a page, so it works without JavaScript); POST withdraws."""
    if not request.user.is_authenticated:
        if request.method == "POST":
            raise PermissionDenied
        return redirect_to_login(request.get_full_path())
    comment = queries.comment_to_write(request.user, pk)
    if request.method == "GET":
        consultation = comment.consultation
        if comment.author_id != request.user.pk:
            return _refused(request, PermissionRefused(_("Vous ne pouvez retirer que vos propres commentaires.")), consultation)
        refusal = services.comment_refusal(consultation, request.user)
        if refusal is not None:
            return _refused(request, refusal, consultation)
        back = _next_url(request, f"{consultation.get_absolute_url()}#commentaire-{comment.pk}")
        return render(
            request,
            "consultation/comment_withdraw.html",
            {
                "consultation": consultation,
                "comment": comment,
                "next": _next_url(request, ""),
                "back": back,
                "breadcrumb_data": _consultation_breadcrumb(consultation, _("Retirer mon commentaire")),
            },
        )
    try:
        services.withdraw_comment(comment=comment, by=request.user)
    except DomainError as error:
        return _refused(request, error, comment.consultation)
    messages.success(request, _("Votre commentaire est retiré. L'ANS le conserve, marqué comme retiré."))
    return redirect(_at_message(_next_url(request, comment.consultation.get_absolute_url())))


@require_GET
def consultation_dashboard(request, pk):
    require_editor(request)
    consultation = queries.consultation_for(request.user, pk)
    filters = queries.DashboardFilters.from_query(request.GET, user=request.user)
    paginator = Paginator(queries.dashboard_comments(consultation, filters), queries.DASHBOARD_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consultation/dashboard.html",
        {
            "consultation": consultation,
            "phase": queries.consultation_phase(consultation),
            "counts": queries.dashboard_counts(consultation),
            "filters": filters,
            "page": page,
            "comments": queries.attach_carriers(
                queries.present_comments(page.object_list), queries.draft_carriers(consultation)
            ),
            "editors": queries.editors(),
            "query": query.urlencode(),
            "next_requirements": queries.next_version_requirements(consultation),
            "states": [
                ("sans-reponse", _("Sans réponse")),
                ("repondus", _("Répondus")),
                ("retires", _("Retirés")),
                ("masques", _("Masqués")),
            ],
            "decisions": Answer.Decision.choices,
            "assignments": [("moi", _("Mes commentaires")), ("personne", _("Non attribués"))],
            "organisation_kinds": Organisation.Kind.choices,
            "breadcrumb_data": _consultation_breadcrumb(consultation, _("Tableau de bord")),
        },
    )


def _dashboard_back(request, comment) -> str:
    default = reverse("consultation:consultation_dashboard", kwargs={"pk": comment.consultation_id})
    return f"{_next_url(request, default)}#commentaire-{comment.pk}"


ANSWER_FIELD_LABELS = {
    "decision": AnswerForm.base_fields["decision"].label,
    "body": AnswerForm.base_fields["body"].label,
    "carried_by": AnswerForm.base_fields["carried_by"].label,
    "reason": HideCommentForm.base_fields["reason"].label,
    "assignee": AssignForm.base_fields["assignee"].label,
    "text": InternalNoteForm.base_fields["text"].label,
    "requirement": _("Exigence"),
    "comments": BulkAnswerForm.base_fields["comments"].label,
}


@require_POST
def comment_answer(request, pk):
    """An editor answers (or revises the answer to) a comment; allowed after closing too."""
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        add_error_messages(request, ValidationError(form.errors.as_data()), field_labels=ANSWER_FIELD_LABELS)
        return redirect(_dashboard_back(request, comment))
    try:
        carried_by = queries.resolve_carried_by(comment.consultation, form.cleaned_data["carried_by"])
        services.answer_comment(
            comment=comment,
            by=request.user,
            decision=form.cleaned_data["decision"],
            body=form.cleaned_data["body"],
            carried_by=carried_by,
        )
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(request, _("Réponse enregistrée pour le commentaire n° %(id)s ; son auteur est prévenu par courriel.") % {"id": comment.pk})
    return redirect(_dashboard_back(request, comment))


@require_POST
def comment_hide(request, pk):
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    form = HideCommentForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.hide_comment(comment=comment, by=request.user, reason=form.cleaned_data["reason"])
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(request, _("Le commentaire n° %(id)s est masqué.") % {"id": comment.pk})
    return redirect(_dashboard_back(request, comment))


@require_POST
def comment_unhide(request, pk):
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    try:
        services.unhide_comment(comment=comment, by=request.user)
    except DomainError as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(request, _("Le commentaire n° %(id)s est rétabli.") % {"id": comment.pk})
    return redirect(_dashboard_back(request, comment))


# The editors' triage: assignment, internal notes, a proposed wording carried into the next draft,
# answers in bulk. Plain forms, each posting back to the page it came from.


@require_POST
def comment_assign(request, pk):
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    form = AssignForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        assignee_id = form.cleaned_data["assignee"]
        assignee = None
        if assignee_id is not None:
            assignee = get_user_model().objects.filter(pk=assignee_id).first()
            if assignee is None:
                raise ValidationError({"assignee": _("Cette personne n'existe pas.")})
        services.assign_comment(comment=comment, assignee=assignee, by=request.user)
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        if assignee is None:
            messages.success(request, _("Le commentaire n° %(id)s n'est plus attribué.") % {"id": comment.pk})
        else:
            messages.success(
                request,
                _("Le commentaire n° %(id)s est attribué à %(name)s.")
                % {"id": comment.pk, "name": assignee.get_full_name() or assignee.get_username()},
            )
    return redirect(_dashboard_back(request, comment))


@require_POST
def comment_note(request, pk):
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    form = InternalNoteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.add_internal_note(comment=comment, text=form.cleaned_data["text"], by=request.user)
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(request, _("Note interne ajoutée au commentaire n° %(id)s.") % {"id": comment.pk})
    return redirect(_dashboard_back(request, comment))


@require_POST
def comment_apply_wording(request, pk):
    """Carry the comment's proposed wording into a draft requirement of its lineage, from the
    dashboard or from the draft requirement's page."""
    require_editor(request)
    comment = queries.comment_to_write(request.user, pk)
    form = ApplyWordingForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        requirement = queries.requirement_by_id(form.cleaned_data["requirement"])
        services.apply_proposed_wording(
            comment=comment,
            requirement=requirement,
            by=request.user,
            expected_revision=form.cleaned_data["expected_revision"],
            decision=form.cleaned_data["decision"] or None,
            body=form.cleaned_data["body"] or None,
        )
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(
            request,
            _("La rédaction proposée par le commentaire n° %(id)s est appliquée à %(key)s (version %(number)s) ; la réponse le mentionne.")
            % {"id": comment.pk, "key": requirement.key, "number": requirement.version.number},
        )
    return redirect(_dashboard_back(request, comment))


@require_POST
def comments_bulk_answer(request, pk):
    """The same decision and answer for the comments ticked on the dashboard; each gets its own
    answer and its author their own e-mail."""
    require_editor(request)
    consultation = queries.consultation_for(request.user, pk)
    comments = {comment.pk: comment for comment in Comment.objects.filter(consultation=consultation)}
    form = BulkAnswerForm(request.POST, comment_ids=list(comments))
    back = _next_url(request, reverse("consultation:consultation_dashboard", kwargs={"pk": consultation.pk}))
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        answers = services.answer_comments_in_bulk(
            comments=[comments[comment_id] for comment_id in form.cleaned_data["comments"]],
            decision=form.cleaned_data["decision"],
            body=form.cleaned_data["body"],
            by=request.user,
        )
    except (ValidationError, DomainError) as error:
        add_error_messages(request, error, field_labels=ANSWER_FIELD_LABELS)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s réponse enregistrée ; son auteur est prévenu par courriel.",
                "%(count)s réponses enregistrées ; chaque auteur est prévenu par courriel.",
                len(answers),
            )
            % {"count": len(answers)},
        )
    return redirect(_at_message(back))

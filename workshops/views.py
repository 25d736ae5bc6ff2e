"""Workshop pages: parse the request, call a query or a service, render.

The public reads published minutes; editors also see drafts, follow open actions and import RIDA
tables. Every read goes through ``queries.py`` so a page runs the same queries whatever its size.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.documents import document_response
from core.errors import DomainError
from core.web import (
    add_error_messages,
    breadcrumb,
    read_signed_preview,
    require_editor,
    sign_preview,
)

from . import exports, queries, services
from .forms import ActionAssignForm, ActionStatusForm, RidaUploadForm
from .importers import RidaFileError, check_rows, read_rida_file
from .models import RidaItem, Workshop
from .pdf import minutes_document

# The parsed rows travel from the preview to the confirmation signed, in the form itself: nothing is
# kept on the server between the two requests, and a tampered payload is refused.
IMPORT_SALT = "consultation.rida-import"



def _workshops_link():
    return (reverse("workshops:workshop_list"), _("Ateliers"))


@require_GET
def workshop_list(request):
    return render(
        request,
        "workshops/workshop_list.html",
        {
            "workshops": queries.workshops_for_list(request.user),
            "breadcrumb_data": breadcrumb(_("Ateliers")),
        },
    )


@require_GET
def workshop_detail(request, pk):
    workshop = queries.workshop_for(request.user, pk)
    nature = queries.parse_nature(request.GET.get("nature"))
    minutes = queries.workshop_minutes(workshop, nature=nature)
    return render(
        request,
        "workshops/workshop_detail.html",
        {
            "workshop": workshop,
            "minutes": minutes,
            "nature": nature,
            "nature_filters": [
                (value, label, minutes.nature_counts.get(value, 0)) for value, label in RidaItem.Nature.choices
            ],
            "breadcrumb_data": breadcrumb(
                _("Atelier #%(number)s") % {"number": workshop.number}, _workshops_link()
            ),
        },
    )


@require_POST
def workshop_publish(request, pk):
    require_editor(request)
    workshop = get_object_or_404(Workshop, pk=pk)
    try:
        services.publish_workshop(workshop=workshop, by=request.user)
    except DomainError as error:
        add_error_messages(request, error)
    else:
        messages.success(request, _("Le compte-rendu est publié."))
    return redirect(workshop.get_absolute_url())


@require_POST
def workshop_unpublish(request, pk):
    require_editor(request)
    workshop = get_object_or_404(Workshop, pk=pk)
    try:
        services.unpublish_workshop(workshop=workshop, by=request.user)
    except DomainError as error:
        add_error_messages(request, error)
    else:
        messages.success(request, _("Le compte-rendu n'est plus visible du public."))
    return redirect(workshop.get_absolute_url())


def _private_if_draft(response, workshop):
    if not workshop.is_published:
        response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def workshop_pdf(request, pk):
    """The minutes' stored PDF, laid out once per content (``core.documents``)."""
    workshop = queries.workshop_for(request.user, pk)
    cache_control = "public, max-age=300" if workshop.is_published else "private, no-store"
    return document_response(request, minutes_document(workshop), cache_control=cache_control)


def _export_name(workshop, extension):
    return f"ANS_atelier_{workshop.number:02d}_{workshop.held_on:%Y%m%d}_RIDA.{extension}"


@require_GET
def rida_csv(request, pk):
    workshop = queries.workshop_for(request.user, pk)
    items = queries.rida_items_of(workshop, nature=queries.parse_nature(request.GET.get("nature")))
    response = HttpResponse(exports.rida_csv(items), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(workshop, "csv")}"'
    return _private_if_draft(response, workshop)


@require_GET
def rida_xlsx(request, pk):
    workshop = queries.workshop_for(request.user, pk)
    items = queries.rida_items_of(workshop, nature=queries.parse_nature(request.GET.get("nature")))
    response = HttpResponse(
        exports.rida_xlsx(workshop, items),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(workshop, "xlsx")}"'
    return _private_if_draft(response, workshop)


@require_GET
def action_tracker(request):
    require_editor(request)
    actions = queries.open_actions()
    return render(
        request,
        "workshops/action_tracker.html",
        {
            "actions": actions,
            "overdue_count": sum(1 for action in actions if action.is_overdue),
            "today": timezone.localdate(),
            "status_choices": [c for c in RidaItem.ActionStatus.choices if c[0] != RidaItem.ActionStatus.OPEN],
            "breadcrumb_data": breadcrumb(_("Suivi des actions"), _workshops_link()),
        },
    )


@require_POST
def action_status(request, pk):
    require_editor(request)
    item = get_object_or_404(RidaItem, pk=pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("workshops:action_tracker")
    try:
        services.set_action_status(
            item=item, status=form.cleaned_data["status"], closing_note=form.cleaned_data["closing_note"], by=request.user
        )
    except DomainError as error:
        add_error_messages(request, error)
    else:
        messages.success(
            request,
            _("Action n° %(number)s de l'atelier #%(workshop)s : %(status)s.")
            % {
                "number": item.number,
                "workshop": item.workshop.number,
                "status": RidaItem.ActionStatus(form.cleaned_data["status"]).label.lower(),
            },
        )
    return redirect("workshops:action_tracker")


@require_POST
def action_assign(request, pk):
    """The tracker's owner and due date form of one action."""
    require_editor(request)
    item = get_object_or_404(RidaItem, pk=pk)
    form = ActionAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("workshops:action_tracker")
    try:
        services.assign_action(
            item=item, owner=form.cleaned_data["owner"], due_on=form.cleaned_data["due_on"], by=request.user
        )
    except (DomainError, ValidationError) as error:
        add_error_messages(request, error, field_labels={"owner": _("Responsable")})
    else:
        messages.success(
            request,
            _("Action n° %(number)s de l'atelier #%(workshop)s : responsable et échéance enregistrés.")
            % {"number": item.number, "workshop": item.workshop.number},
        )
    return redirect(reverse("workshops:action_tracker") + f"#action-{item.pk}")


@require_http_methods(["GET", "POST"])
def rida_import(request, pk):
    """Upload → preview of every row and its problems → confirm, which writes all rows or none."""
    require_editor(request)
    workshop = get_object_or_404(Workshop, pk=pk)
    context = {
        "workshop": workshop,
        "breadcrumb_data": breadcrumb(
            _("Importer un tableau RIDA"),
            _workshops_link(),
            (workshop.get_absolute_url(), _("Atelier #%(number)s") % {"number": workshop.number}),
        ),
    }
    if request.method == "POST" and "payload" in request.POST:
        return _confirm_import(request, workshop, context)
    form = RidaUploadForm(request.POST, request.FILES) if request.method == "POST" else RidaUploadForm()
    if form.is_bound and form.is_valid():
        try:
            table = read_rida_file(form.cleaned_data["file"])
        except RidaFileError as error:
            form.add_error("file", error.message)
        else:
            rows = check_rows(workshop, table.rows)
            context.update(table=table, rows=rows, problem_count=sum(len(r.problems) for r in rows))
            if context["problem_count"] == 0:
                context["payload"] = sign_preview(
                    {"workshop": workshop.pk, "filename": table.filename, "rows": table.rows}, salt=IMPORT_SALT
                )
    context["form"] = form
    return render(request, "workshops/rida_import.html", context)


def _confirm_import(request, workshop, context):
    data = read_signed_preview(request, salt=IMPORT_SALT, scope="workshop", pk=workshop.pk)
    if data is None:
        messages.error(request, _("Cet aperçu a expiré, a été altéré ou concerne un autre atelier : déposez à nouveau le fichier."))
        return redirect("workshops:rida_import", pk=workshop.pk)
    try:
        items = services.import_rida(workshop=workshop, rows=data["rows"], by=request.user)
    except DomainError as error:
        # The workshop changed since the preview: show the rows again, with today's problems.
        rows = check_rows(workshop, data["rows"])
        context.update(
            form=RidaUploadForm(),
            rows=rows,
            problem_count=sum(len(r.problems) for r in rows),
            refusal=error.message,
            table={"filename": data.get("filename", ""), "ignored_columns": []},
        )
        return render(request, "workshops/rida_import.html", context, status=409)
    messages.success(
        request,
        ngettext(
            "%(count)s item importé depuis « %(name)s ».",
            "%(count)s items importés depuis « %(name)s ».",
            len(items),
        )
        % {"count": len(items), "name": data.get("filename", "")},
    )
    return redirect(workshop.get_absolute_url())

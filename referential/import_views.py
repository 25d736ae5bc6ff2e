"""Editors import a ReqIF or spreadsheet file into a draft: upload → mapping of the file's
attributes and preview of what is added, changed and removed → confirm, which writes all or
nothing. The read document travels signed in the form between steps: nothing is kept on the
server between two requests."""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from core.roles import is_editor

from . import queries, services
from .import_files import proposed_mapping, read_import_file
from .interchange import CHANGE_LABELS, FIELDS, REQUIRED_FIELDS, ImportRefused, clean_mapping, plan_import
from .models import ReferentialVersion
from .spreadsheet_import import TEMPLATE_HEADERS, template_download

SALT = "referential.version-import"
MAX_AGE = 2 * 60 * 60


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Fichier ReqIF (.reqif, .reqifz) ou tableau (.xlsx, .csv)"),
        help_text=gettext_lazy("50 Mo au plus pour un fichier ReqIF, 10 Mo pour un tableau."),
    )


def mapping_form(document: dict, initial: dict, data=None) -> forms.Form:
    names = [a["name"] for a in document["attributes"]]
    choices = [("", _("— aucun —"))] + [(name, name) for name in names]
    form = forms.Form(data=data, initial=initial, prefix="map")
    for name, (label, _usual) in FIELDS.items():
        form.fields[name] = forms.ChoiceField(label=label, choices=choices, required=False)
    return form


def _editable_draft(request, slug, number) -> ReferentialVersion:
    if not is_editor(request.user):
        raise PermissionDenied(_("Réservé aux éditeurs de l'ANS."))
    return queries.version_for(request.user, slug, number)


@require_GET
def import_template(request, slug, number, fmt):
    version = _editable_draft(request, slug, number)
    return template_download(version, fmt)


@require_http_methods(["GET", "POST"])
def version_import(request, slug, number):
    version = _editable_draft(request, slug, number)
    context = {
        "referential": version.referential,
        "version": version,
        "columns": TEMPLATE_HEADERS,
        "breadcrumb_data": {
            "links": [
                {"url": version.referential.get_absolute_url(), "title": version.referential.code},
                {"url": version.get_absolute_url(), "title": _("Version %(number)s") % {"number": version.number}},
            ],
            "current": _("Importer des exigences"),
        },
    }
    if version.status != ReferentialVersion.Status.DRAFT:
        context["refusal"] = _("Seul un brouillon peut recevoir un import : cette version n'en est plus un.")
        context["form"] = ImportUploadForm()
        return render(request, "referential/version_import.html", context, status=409)

    document = None
    if request.method == "POST" and "payload" in request.POST:
        try:
            data = signing.loads(request.POST["payload"], salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            data = None
        if not data or data.get("version") != version.pk:
            messages.error(request, _("Cet aperçu a expiré ou a été altéré : déposez à nouveau le fichier."))
            return redirect("referential:version_import", slug=slug, number=number)
        document = data["document"]
        form = mapping_form(document, {}, data=request.POST)
        form.is_valid()
        mapping = clean_mapping(form.cleaned_data, [a["name"] for a in document["attributes"]])
        if request.POST.get("action") == "apply":
            try:
                plan = services.import_into_draft(version=version, document=document, mapping=mapping, by=request.user)
            except ImportRefused as error:
                context["refusal"] = error.message
            else:
                messages.success(
                    request,
                    _("« %(name)s » importé : %(added)s exigence(s) ajoutée(s), %(changed)s modifiée(s), %(removed)s supprimée(s).")
                    % {"name": document["filename"], "added": len(plan.added), "changed": len(plan.changed), "removed": len(plan.removed)},
                )
                return redirect(version.get_absolute_url())
        context["payload"] = request.POST["payload"]
    else:
        upload = ImportUploadForm(request.POST, request.FILES) if request.method == "POST" else ImportUploadForm()
        context["form"] = upload
        if upload.is_bound and upload.is_valid():
            try:
                document = read_import_file(upload.cleaned_data["file"])
            except ImportRefused as error:
                upload.add_error("file", error.message)
            else:
                mapping = proposed_mapping(document)
                form = mapping_form(document, mapping)
                context["payload"] = signing.dumps({"version": version.pk, "document": document}, salt=SALT, compress=True)
        if document is None:
            return render(request, "referential/version_import.html", context, status=400 if upload.is_bound else 200)

    try:
        plan = plan_import(version, document, mapping)
    except ImportRefused as error:
        context.update(refusal=error.message, form=context.get("form") or ImportUploadForm())
        return render(request, "referential/version_import.html", context, status=400)
    for planned in plan.changed:
        planned.change_labels = [CHANGE_LABELS[c] for c in planned.changes]
    context.update(
        document=document,
        mapping_form=form,
        required_fields=REQUIRED_FIELDS,
        plan=plan,
        form=context.get("form") or ImportUploadForm(),
    )
    status = 400 if plan.problems and request.POST.get("action") == "apply" else 200
    return render(request, "referential/version_import.html", context, status=status)

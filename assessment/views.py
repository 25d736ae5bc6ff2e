"""Self-assessment pages: parse the request, call a query or a service, render.

Nothing of an assessment is public: every page of one goes through ``queries.assessments_visible_to``,
so another organisation's assessment is a 404, never a 403 that would confirm it exists. The one
public page is the attestation check, which answers only "matches a submission" or not.
"""

import hashlib

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import VerifyForm
from .models import Submission


def _breadcrumb(current, *links):
    return {"links": [{"url": url, "title": title} for url, title in links], "current": current}


@require_http_methods(["GET", "POST"])
def verify(request):
    """Anyone holding an attestation checks it: the answer is yes or no, and nothing else."""
    form = VerifyForm(request.POST or None, request.FILES or None)
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
        {"form": form, "matches": matches, "breadcrumb_data": _breadcrumb(_("Vérifier une attestation"))},
    )

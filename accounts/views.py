"""The account page ("Mon compte"): the organisation, the membership's status, links to allauth's
pages (password, e-mail addresses, sessions). Sign-up, sign-in, confirmation and password reset are
django-allauth's (accounts/allauth_urls.py gives them French paths)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.web import breadcrumb

from .mfa import has_second_factor
from .models import Membership, OrganisationRefusal


@login_required
@require_http_methods(["GET"])
def account(request):
    membership = Membership.objects.select_related("organisation__merged_into").filter(user=request.user).first()
    refusal = None
    if membership is not None and membership.organisation.status == membership.organisation.Status.REFUSED:
        refusal = OrganisationRefusal.objects.filter(organisation=membership.organisation).first()
    return render(
        request,
        "accounts/account.html",
        {
            "membership": membership,
            "organisation": membership.organisation if membership else None,
            "refusal": refusal,
            "groups": list(request.user.groups.values_list("name", flat=True)),
            "has_second_factor": has_second_factor(request.user),
            "breadcrumb_data": breadcrumb(_("Mon compte")),
        },
    )

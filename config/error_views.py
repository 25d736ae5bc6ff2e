"""Error pages that also serve the API: under ``/api/`` a URL that matches no route (``/api/v1/comments/-1/``)
answers JSON with a ``detail``, as every API error does, not the HTML page a browser gets."""

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Introuvable.")}, status=404)
    return defaults.page_not_found(request, exception)


def too_many_requests(request, exception=None):
    """A rate limit of allauth's account pages refused the request (ACCOUNT_RATE_LIMITS)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Trop de requêtes. Réessayez plus tard.")}, status=429)
    from django.shortcuts import render

    return render(request, "429.html", status=429)

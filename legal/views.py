from django.shortcuts import render

from referential import queries


def page(request, template):
    return render(request, template)


def site_map(request):
    """Every public entry point, and each referential with the versions this reader may see."""
    return render(request, "legal/site_map.html", {"referentials": queries.referentials_with_versions(request.user)})

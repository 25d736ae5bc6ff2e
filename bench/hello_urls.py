"""The project's URLs plus a hello-world page and a hello-world token-authenticated DRF POST: the
reference figures the page bench and the intake bench set their measures against (same middleware,
same process, same run)."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from config.urls import urlpatterns as project_urlpatterns


def hello(request):
    return HttpResponse("<!doctype html><html lang='fr'><title>Bonjour</title><p>Bonjour</p></html>")


@api_view(["POST"])
@permission_classes([IsAuthenticated])
def hello_post(request):
    """The project's API authentication (its default classes: the expiring token first), a signed-in
    caller required, the JSON body parsed, a 201 answered: nothing stored."""
    return Response({"ok": True, "received": len(request.data)}, status=201)


urlpatterns = [path("bench/hello/", hello), path("bench/hello-post/", hello_post), *project_urlpatterns]

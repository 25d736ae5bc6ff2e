"""Response headers that django's security middleware does not set."""

from django.conf import settings


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response: no page of ours uses camera, microphone, location…"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response

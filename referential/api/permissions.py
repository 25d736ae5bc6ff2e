"""Who may call which referential endpoint: everyone reads what they may see, only editors write."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import is_editor


class IsEditorOrReadOnly(BasePermission):
    """Reads are open (visibility of drafts is the queryset's job); every write needs an editor.

    Checked by DRF before the view looks anything up, so a contributor writing to a draft it
    cannot see gets 403, not 404, and no query touches the data.
    """

    message = _("Seuls les éditeurs de l'ANS peuvent modifier les référentiels.")

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or is_editor(request.user)

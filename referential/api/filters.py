"""Query-string filters of the requirement list; the filtering itself is ``queries.filter_requirements``,
shared with the HTML version page."""

import django_filters
from django.utils.translation import gettext_lazy as _

from ..models import Requirement
from ..queries import filter_requirements


class RequirementFilter(django_filters.FilterSet):
    level = django_filters.CharFilter(label=_("Niveau de non-conformité (identifiant, par exemple « majeure »)"))
    actor = django_filters.CharFilter(label=_("Acteur concerné (identifiant)"))
    section = django_filters.NumberFilter(label=_("Chapitre (identifiant), sous-chapitres compris"))
    q = django_filters.CharFilter(
        label=_("Texte cherché dans la clé, le titre et l'énoncé, sans tenir compte des accents ni des majuscules")
    )

    class Meta:
        model = Requirement
        fields = ["level", "actor", "section", "q"]

    def filter_queryset(self, queryset):
        # One call with every filter, so the API filters exactly as the version page does.
        data = self.form.cleaned_data
        section = data.get("section")
        requirements = filter_requirements(
            queryset,
            level=data.get("level") or None,
            actor=data.get("actor") or None,
            section=int(section) if section is not None else None,
            q=data.get("q") or None,
        )
        # A text search lists the best matches first (a key typed whole, then the text's rank).
        return requirements.order_by("-search_rank", "position", "id") if data.get("q") else requirements

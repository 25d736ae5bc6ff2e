"""One entry for every file an editor may import into a draft: the extension picks the reader."""

from django.utils.translation import gettext as _

from .interchange import ImportRefused, default_mapping
from .models import ImportMapping
from .reqif import read_reqif
from .spreadsheet_import import read_spreadsheet

EXTENSIONS = (".reqif", ".reqifz", ".xlsx", ".csv")


def read_import_file(uploaded) -> dict:
    """The uploaded file as an import document (``interchange``); refuses an unknown format."""
    if uploaded is None:
        raise ImportRefused(_("Choisissez un fichier .reqif, .reqifz, .xlsx ou .csv."))
    name = (getattr(uploaded, "name", "") or "").lower()
    if name.endswith((".reqif", ".reqifz", ".xml")):
        return read_reqif(uploaded)
    if name.endswith((".xlsx", ".csv")):
        return read_spreadsheet(uploaded)
    raise ImportRefused(
        _("Format non pris en charge (« %(name)s ») : déposez un fichier .reqif, .reqifz, .xlsx ou .csv.")
        % {"name": getattr(uploaded, "name", "")}
    )


def proposed_mapping(document: dict) -> dict[str, str]:
    """The mapping to show first: the one remembered for the document's tool, completed by the usual names."""
    remembered = None
    if document.get("tool"):
        remembered = ImportMapping.objects.filter(source_tool=document["tool"][:250]).values_list("mapping", flat=True).first()
    return default_mapping([a["name"] for a in document["attributes"]], remembered)

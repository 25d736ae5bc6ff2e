"""ReqIF 1.2 (OMG, namespace of 2011-04-01) in and out.

Writing. One SPEC-OBJECT per requirement, whose IDENTIFIER is its lineage's exchange identifier
(``interchange.requirement_identifiers``), so the same requirement keeps it from version to
version and through a change of key; one SPEC-OBJECT per chapter (``ReqIF.ChapterName``), and the
chapter tree as the SPEC-HIERARCHY of one SPECIFICATION. The statement is XHTML made from the one
sanitised Markdown rendering (``markdown.render_markdown``); its Markdown source travels beside it
(``ANS.StatementMarkdown``) so that our own files come back exactly. Levels and actors are
enumerations (actors multi-valued). A frozen version always gives the same bytes.

Reading. The XML is parsed by lxml with entities left unresolved, no DTD and no network, under a
size limit checked before reading and libxml2's depth limit; a file that declares a DOCTYPE
(where entity bombs and external entities live) is refused outright. Every structural fault is
reported with the element and its line, and nothing is imported.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree
from lxml import html as lxml_html

from core.markdown import render_markdown
from core.tabular import download, printable

from . import fixed_labels
from .interchange import ImportRefused, requirement_identifiers, section_identifiers
from .models import Actor, ReferentialVersion
from .queries import version_outline

REQIF_NS = "http://www.omg.org/spec/ReqIF/20110401/reqif.xsd"
XHTML_NS = "http://www.w3.org/1999/xhtml"
TOOL_ID = "Référentiels MSSanté (ANS)"
MAX_BYTES = 50 * 1024 * 1024
STRING_MAX = 1_000_000

R = f"{{{REQIF_NS}}}"
X = f"{{{XHTML_NS}}}"

# Our attributes: (identifier, long name, kind) on the requirement type.
REQUIREMENT_ATTRIBUTES = (
    ("ans.attr.key", "ReqIF.ForeignID", "STRING"),
    ("ans.attr.title", "ReqIF.Name", "STRING"),
    ("ans.attr.statement", "ReqIF.Text", "XHTML"),
    ("ans.attr.statement-markdown", "ANS.StatementMarkdown", "STRING"),
    ("ans.attr.level", "ANS.Level", "ENUMERATION"),
    ("ans.attr.actors", "ANS.Actors", "ENUMERATION"),
    ("ans.attr.verification", "ANS.VerificationMethod", "STRING"),
    ("ans.attr.deadline", "ANS.ComplianceDeadline", "DATE"),
)
CHAPTER_ATTRIBUTES = (
    ("ans.attr.chapter-name", "ReqIF.ChapterName", "STRING"),
    ("ans.attr.chapter-intro", "ReqIF.Text", "XHTML"),
    ("ans.attr.chapter-intro-markdown", "ANS.StatementMarkdown", "STRING"),
)
DATATYPE_OF = {
    "STRING": "ans.type.string",
    "XHTML": "ans.type.xhtml",
    "DATE": "ans.type.date",
    "ans.attr.level": "ans.type.level",
    "ans.attr.actors": "ans.type.actors",
}


# Writing ------------------------------------------------------------------------------------------


@functools.cache
def _attribute_name(keyword: str) -> str:
    return keyword.replace("_", "-").upper()


def _sub(parent, tag, text=None, **attributes):
    # ``printable``: a control character pasted into a text (Word's \x0b) is no XML 1.0 character.
    element = etree.SubElement(parent, R + tag, {_attribute_name(k): printable(str(v)) for k, v in attributes.items()})
    if text is not None:
        element.text = printable(text)
    return element


def _timestamp(moment: dt.datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


XHTML_TAGS = {"s": "del"}


def statement_xhtml(markdown_text: str):
    """The sanitised rendering of ``markdown_text``, as one ``xhtml:div`` element."""
    div = etree.Element(X + "div", nsmap={"xhtml": XHTML_NS})
    html = str(render_markdown(printable(markdown_text or "")))
    if not html.strip():
        return div
    container = lxml_html.fragment_fromstring(html, create_parent="div")

    def copy(source, target):
        target.text = source.text
        for child in source:
            if not isinstance(child.tag, str):
                continue
            # ReqIF's XHTML has no ``s``: struck text (``~~…~~``) is the edit module's ``del`` there.
            element = etree.SubElement(target, X + XHTML_TAGS.get(child.tag, child.tag))
            for name in ("href", "title"):
                if child.get(name) is not None:
                    element.set(name, child.get(name))
            copy(child, element)
            element.tail = child.tail

    copy(container, div)
    return div


def _enum_datatype(parent, identifier, long_name, values, last_change):
    datatype = _sub(parent, "DATATYPE-DEFINITION-ENUMERATION", identifier=identifier, long_name=long_name, last_change=last_change)
    specified = _sub(datatype, "SPECIFIED-VALUES")
    for value_id, label, key in values:
        enum = _sub(specified, "ENUM-VALUE", identifier=value_id, long_name=label, last_change=last_change)
        properties = _sub(enum, "PROPERTIES")
        _sub(properties, "EMBEDDED-VALUE", key=key, other_content=label)


def _object_type(parent, identifier, long_name, attributes, last_change):
    spec_type = _sub(parent, "SPEC-OBJECT-TYPE", identifier=identifier, long_name=long_name, last_change=last_change)
    spec_attributes = _sub(spec_type, "SPEC-ATTRIBUTES")
    for attr_id, name, kind in attributes:
        definition = _sub(
            spec_attributes,
            f"ATTRIBUTE-DEFINITION-{kind}",
            identifier=attr_id,
            long_name=name,
            last_change=last_change,
            **({"multi_valued": "true" if attr_id == "ans.attr.actors" else "false"} if kind == "ENUMERATION" else {}),
        )
        type_ref = _sub(definition, "TYPE")
        _sub(type_ref, f"DATATYPE-DEFINITION-{kind}-REF", DATATYPE_OF.get(attr_id) or DATATYPE_OF[kind])


def _value(values, kind, attr_id, value):
    if kind == "STRING":
        element = _sub(values, "ATTRIBUTE-VALUE-STRING", the_value=value)
    elif kind == "DATE":
        element = _sub(values, "ATTRIBUTE-VALUE-DATE", the_value=f"{value.isoformat()}T00:00:00")
    elif kind == "XHTML":
        element = _sub(values, "ATTRIBUTE-VALUE-XHTML")
        _sub(element, "THE-VALUE").append(value)
    else:  # ENUMERATION: ``value`` is a list of enum value identifiers
        element = _sub(values, "ATTRIBUTE-VALUE-ENUMERATION")
    definition = _sub(element, "DEFINITION")
    _sub(definition, f"ATTRIBUTE-DEFINITION-{kind}-REF", attr_id)
    if kind == "ENUMERATION":
        refs = _sub(element, "VALUES")
        for ref in value:
            _sub(refs, "ENUM-VALUE-REF", ref)


def build_reqif(version: ReferentialVersion) -> bytes:
    """The version as a ReqIF 1.2 document (UTF-8 bytes), in the words it was published with."""
    referential = fixed_labels.dress_version(version).referential
    # A frozen version gives the same bytes every time: its dates, never the time of the export.
    moment = (version.published_at or version.created_at) if version.is_frozen else timezone.now()
    stamp = _timestamp(moment)
    outline = version_outline(version)
    req_ids = requirement_identifiers(version)
    chapter_ids = section_identifiers(version)
    slug = referential.slug

    root = etree.Element(R + "REQ-IF", nsmap={None: REQIF_NS, "xhtml": XHTML_NS})
    header_holder = _sub(root, "THE-HEADER")
    header = _sub(header_holder, "REQ-IF-HEADER", identifier=f"ans.{slug}.{version.number}.header")
    summary = " ".join(version.change_summary.split())
    status = ReferentialVersion.Status(version.status).label
    _sub(
        header,
        "COMMENT",
        f"{referential.code} version {version.number} ({status})" + (f" — {summary}" if summary else ""),
    )
    _sub(header, "CREATION-TIME", stamp)
    _sub(header, "REPOSITORY-ID", f"ans.{slug}")
    _sub(header, "REQ-IF-TOOL-ID", TOOL_ID)
    _sub(header, "REQ-IF-VERSION", "1.0")
    _sub(header, "SOURCE-TOOL-ID", TOOL_ID)
    _sub(header, "TITLE", f"{referential.code} — {referential.title} — version {version.number}")

    content = _sub(_sub(root, "CORE-CONTENT"), "REQ-IF-CONTENT")
    datatypes = _sub(content, "DATATYPES")
    _sub(datatypes, "DATATYPE-DEFINITION-STRING", identifier="ans.type.string", long_name="Texte", last_change=stamp, max_length=STRING_MAX)
    _sub(datatypes, "DATATYPE-DEFINITION-XHTML", identifier="ans.type.xhtml", long_name="Texte mis en forme", last_change=stamp)
    _sub(datatypes, "DATATYPE-DEFINITION-DATE", identifier="ans.type.date", long_name="Date", last_change=stamp)
    levels = fixed_labels.levels_of(version)
    actors = list(Actor.objects.order_by("position", "label"))
    fixed_labels.dress_actors(version, actors)
    _enum_datatype(datatypes, "ans.type.level", "Niveau de non-conformité", [(f"ans.level.{lv.slug}", lv.label, lv.rank) for lv in levels], stamp)
    _enum_datatype(datatypes, "ans.type.actors", "Acteurs", [(f"ans.actor.{a.slug}", a.label, i) for i, a in enumerate(actors, start=1)], stamp)

    spec_types = _sub(content, "SPEC-TYPES")
    _object_type(spec_types, "ans.type.requirement", "Exigence", REQUIREMENT_ATTRIBUTES, stamp)
    _object_type(spec_types, "ans.type.chapter", "Chapitre", CHAPTER_ATTRIBUTES, stamp)
    _sub(spec_types, "SPECIFICATION-TYPE", identifier="ans.type.specification", long_name="Version de référentiel", last_change=stamp)

    objects = _sub(content, "SPEC-OBJECTS")
    specification_holder = etree.Element(R + "SPECIFICATIONS")
    specification = _sub(
        specification_holder,
        "SPECIFICATION",
        identifier=f"ans.{slug}.version.{version.number}",
        long_name=f"{referential.code} v{version.number}",
        last_change=stamp,
    )
    _sub(_sub(specification, "TYPE"), "SPECIFICATION-TYPE-REF", "ans.type.specification")

    def spec_object(identifier, type_ref, long_name):
        obj = _sub(objects, "SPEC-OBJECT", identifier=identifier, long_name=long_name, last_change=stamp)
        _sub(_sub(obj, "TYPE"), "SPEC-OBJECT-TYPE-REF", type_ref)
        return _sub(obj, "VALUES")

    def hierarchy(parent, identifier):
        node = _sub(parent, "SPEC-HIERARCHY", identifier=f"h.{identifier}", last_change=stamp)
        _sub(_sub(node, "OBJECT"), "SPEC-OBJECT-REF", identifier)
        return node

    def write_chapter(node, parent):
        section = node.section
        identifier = chapter_ids[section.pk]
        values = spec_object(identifier, "ans.type.chapter", section.title)
        _value(values, "STRING", "ans.attr.chapter-name", section.title)
        if section.intro.strip():
            _value(values, "XHTML", "ans.attr.chapter-intro", statement_xhtml(section.intro))
            _value(values, "STRING", "ans.attr.chapter-intro-markdown", section.intro)
        place = hierarchy(parent, identifier)
        children = None
        for requirement in node.requirements:
            children = children if children is not None else _sub(place, "CHILDREN")
            write_requirement(requirement, children)
        for child in node.children:
            children = children if children is not None else _sub(place, "CHILDREN")
            write_chapter(child, children)

    def write_requirement(requirement, parent):
        identifier = req_ids[requirement.pk]
        values = spec_object(identifier, "ans.type.requirement", requirement.key)
        _value(values, "STRING", "ans.attr.key", requirement.key)
        _value(values, "STRING", "ans.attr.title", requirement.title)
        _value(values, "XHTML", "ans.attr.statement", statement_xhtml(requirement.statement))
        _value(values, "STRING", "ans.attr.statement-markdown", requirement.statement)
        if requirement.level is not None:
            _value(values, "ENUMERATION", "ans.attr.level", [f"ans.level.{requirement.level.slug}"])
        chosen = [f"ans.actor.{a.slug}" for a in requirement.actors.all()]
        if chosen:
            _value(values, "ENUMERATION", "ans.attr.actors", chosen)
        if requirement.verification_method:
            _value(values, "STRING", "ans.attr.verification", requirement.verification_method)
        if requirement.compliance_deadline:
            _value(values, "DATE", "ans.attr.deadline", requirement.compliance_deadline)
        hierarchy(parent, identifier)

    if outline.roots:
        top = _sub(specification, "CHILDREN")
        for node in outline.roots:
            write_chapter(node, top)
    content.append(specification_holder)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def reqif_filename(version: ReferentialVersion, extension: str = "reqif") -> str:
    return f"{version.referential.slug}_v{version.number}.{extension}"


def reqif_download(version: ReferentialVersion, *, zipped: bool = False):
    """The version as a ``.reqif`` (or zipped ``.reqifz``) attachment."""
    if zipped:
        return download(build_reqifz(version), filename=reqif_filename(version, "reqifz"), content_type="application/zip")
    return download(build_reqif(version), filename=reqif_filename(version), content_type="application/xml; charset=utf-8")


def build_reqifz(version: ReferentialVersion) -> bytes:
    """The ReqIF document zipped alone in a ``.reqifz`` archive (fixed timestamp: same version, same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo(reqif_filename(version), date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        archive.writestr(info, build_reqif(version))
    return buffer.getvalue()


# Reading ------------------------------------------------------------------------------------------


def _parser():
    # No entity is ever substituted, no DTD loaded, nothing fetched; huge_tree stays off so that
    # libxml2 keeps its limits on depth and on the size of a single text node.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False, remove_comments=True, remove_pis=True
    )


def _too_big() -> ImportRefused:
    return ImportRefused(_("Le fichier dépasse %(size)s Mo.") % {"size": MAX_BYTES // (1024 * 1024)})


def read_upload(uploaded, *, limit: int = MAX_BYTES) -> bytes:
    """The bytes of an upload, refused before reading when its announced size is over ``limit``,
    and never more than ``limit`` + 1 bytes read whatever it announces."""
    if getattr(uploaded, "size", None) and uploaded.size > limit:
        raise _too_big()
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise _too_big()
    return data


def unzip_reqifz(data: bytes) -> bytes:
    """The ``.reqif`` inside a ``.reqifz``; a zip bomb is refused before it is inflated past the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportRefused(_("Cette archive .reqifz est illisible (zip endommagé ou tronqué).")) from None
    with archive:
        members = [info for info in archive.infolist() if info.filename.lower().endswith(".reqif")]
        if not members:
            raise ImportRefused(_("L'archive .reqifz ne contient aucun fichier .reqif."))
        member = members[0]
        if member.file_size > MAX_BYTES:
            raise _too_big()
        try:
            with archive.open(member) as stream:
                inflated = stream.read(MAX_BYTES + 1)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            raise ImportRefused(_("L'archive .reqifz est endommagée : %(error)s") % {"error": exc}) from None
        if len(inflated) > MAX_BYTES:
            raise _too_big()
        return inflated


def xhtml_fragment(serialised: str):
    """An XHTML value kept as text in a document, back as an element (parsed as safely as the file)."""
    return etree.fromstring(serialised.encode("utf-8"), _parser())


def _where(element) -> str:
    name = etree.QName(element).localname
    identifier = element.get("IDENTIFIER")
    if identifier:
        return _("%(element)s « %(identifier)s » (ligne %(line)s)") % {"element": name, "identifier": identifier, "line": element.sourceline}
    return _("%(element)s (ligne %(line)s)") % {"element": name, "line": element.sourceline}


def _refuse(element, message: str):
    raise ImportRefused(_("%(where)s : %(message)s") % {"where": _where(element), "message": message})


def parse_reqif(data: bytes, filename: str) -> dict:
    """A ReqIF document (bytes) as an import document (see ``interchange``); refuses anything unsafe
    or malformed, naming the element and its line."""
    head = data[:65536]
    if re.search(rb"<!\s*(DOCTYPE|ENTITY)", head, re.IGNORECASE):
        raise ImportRefused(
            _("Le fichier déclare un DOCTYPE ou des entités XML : refusé, un fichier ReqIF n'en a jamais besoin.")
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ImportRefused(
            _("XML mal formé, ligne %(line)s : %(message)s") % {"line": exc.lineno or "?", "message": exc.msg}
        ) from None
    if root.getroottree().docinfo.doctype:
        raise ImportRefused(_("Le fichier déclare un DOCTYPE : refusé."))
    if root.tag != R + "REQ-IF":
        raise ImportRefused(
            _("L'élément racine est « %(tag)s » (ligne %(line)s) : un fichier ReqIF commence par REQ-IF (espace de noms %(ns)s).")
            % {"tag": etree.QName(root).localname, "line": root.sourceline, "ns": REQIF_NS}
        )
    header = root.find(f"{R}THE-HEADER/{R}REQ-IF-HEADER")
    tool = ""
    title = ""
    if header is not None:
        tool = (header.findtext(R + "SOURCE-TOOL-ID") or header.findtext(R + "REQ-IF-TOOL-ID") or "").strip()
        title = (header.findtext(R + "TITLE") or "").strip()
    content = root.find(f"{R}CORE-CONTENT/{R}REQ-IF-CONTENT")
    if content is None:
        _refuse(root, _("élément CORE-CONTENT/REQ-IF-CONTENT manquant."))

    enum_labels: dict[str, str] = {}
    for enum in content.iterfind(f"{R}DATATYPES/{R}DATATYPE-DEFINITION-ENUMERATION/{R}SPECIFIED-VALUES/{R}ENUM-VALUE"):
        identifier = enum.get("IDENTIFIER")
        if not identifier:
            _refuse(enum, _("attribut IDENTIFIER manquant."))
        label = enum.get("LONG-NAME")
        if not label:
            embedded = enum.find(f"{R}PROPERTIES/{R}EMBEDDED-VALUE")
            label = embedded.get("OTHER-CONTENT") if embedded is not None else identifier
        enum_labels[identifier] = label

    definitions: dict[str, tuple[str, str]] = {}  # identifier -> (long name, kind)
    attribute_order: list[tuple[str, str, bool]] = []
    for spec_type in content.iterfind(f"{R}SPEC-TYPES/{R}SPEC-OBJECT-TYPE"):
        for definition in spec_type.iterfind(f"{R}SPEC-ATTRIBUTES/*"):
            local = etree.QName(definition).localname
            if not local.startswith("ATTRIBUTE-DEFINITION-"):
                continue
            identifier = definition.get("IDENTIFIER")
            if not identifier:
                _refuse(definition, _("attribut IDENTIFIER manquant."))
            kind = local.removeprefix("ATTRIBUTE-DEFINITION-").lower()
            name = definition.get("LONG-NAME") or identifier
            definitions[identifier] = (name, kind)
            if name not in {n for n, _k, _m in attribute_order}:
                attribute_order.append((name, kind, definition.get("MULTI-VALUED") == "true"))

    objects: list[dict] = []
    index_of: dict[str, int] = {}
    line_of: dict[str, int] = {}
    for element in content.iterfind(f"{R}SPEC-OBJECTS/{R}SPEC-OBJECT"):
        identifier = element.get("IDENTIFIER")
        if not identifier:
            _refuse(element, _("attribut IDENTIFIER manquant."))
        if identifier in index_of:
            _refuse(
                element,
                _("identifiant en double, déjà porté par le SPEC-OBJECT de la ligne %(line)s.") % {"line": line_of[identifier]},
            )
        values: dict = {}
        xhtml: list[str] = []  # names whose value here is XHTML (another object type may differ)
        for value in element.iterfind(f"{R}VALUES/*"):
            ref = value.find(f"{R}DEFINITION/*")
            if ref is None or not (ref.text or "").strip():
                _refuse(value, _("DEFINITION manquante."))
            definition = definitions.get(ref.text.strip())
            if definition is None:
                _refuse(value, _("définition d'attribut « %(ref)s » inconnue.") % {"ref": ref.text.strip()})
            name, kind = definition
            values[name] = _read_value(value, kind, enum_labels)
            if kind == "xhtml" and name not in xhtml:
                xhtml.append(name)
        index_of[identifier] = len(objects)
        line_of[identifier] = element.sourceline
        objects.append({"identifier": identifier, "where": _where(element), "values": values, "xhtml": xhtml})

    def read_children(holder, depth=0):
        nodes = []
        for node in holder.iterfind(f"{R}CHILDREN/{R}SPEC-HIERARCHY"):
            ref = node.find(f"{R}OBJECT/{R}SPEC-OBJECT-REF")
            if ref is None or not (ref.text or "").strip():
                _refuse(node, _("OBJECT/SPEC-OBJECT-REF manquant."))
            target = ref.text.strip()
            if target not in index_of:
                _refuse(node, _("renvoie au SPEC-OBJECT « %(ref)s », absent du fichier.") % {"ref": target})
            nodes.append([index_of[target], read_children(node, depth + 1)])
        return nodes

    tree = []
    for specification in content.iterfind(f"{R}SPECIFICATIONS/{R}SPECIFICATION"):
        tree.extend(read_children(specification))
    return {
        "format": "reqif",
        "filename": filename,
        "tool": tool,
        "title": title,
        "attributes": [{"name": n, "kind": k, "multi": m} for n, k, m in attribute_order],
        "objects": objects,
        "tree": tree,
    }


def _read_value(value, kind: str, enum_labels: dict[str, str]):
    if kind == "xhtml":
        the_value = value.find(R + "THE-VALUE")
        if the_value is None:
            return ""
        return etree.tostring(the_value, encoding="unicode")
    if kind == "enumeration":
        labels = []
        for ref in value.iterfind(f"{R}VALUES/{R}ENUM-VALUE-REF"):
            target = (ref.text or "").strip()
            if target not in enum_labels:
                _refuse(ref, _("valeur d'énumération « %(ref)s » inconnue.") % {"ref": target})
            labels.append(enum_labels[target])
        return labels
    the_value = value.get("THE-VALUE")
    if the_value is None:
        element = value.find(R + "THE-VALUE")
        the_value = element.text if element is not None else ""
    if kind == "date":
        return (the_value or "")[:10]
    return the_value or ""


def read_reqif(uploaded) -> dict:
    """An uploaded ``.reqif`` or ``.reqifz`` as an import document."""
    name = getattr(uploaded, "name", "") or "fichier.reqif"
    data = read_upload(uploaded)
    if name.lower().endswith(".reqifz") or data[:4] == b"PK\x03\x04":
        data = unzip_reqifz(data)
    if not data.strip():
        raise ImportRefused(_("Le fichier « %(name)s » est vide.") % {"name": name})
    return parse_reqif(data, name)

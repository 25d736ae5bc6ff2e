"""Requirements in and out of other tools: stable identifiers, the neutral imported document, the
mapping of its attributes to our fields, and the plan of what an import changes in a draft.

Readers (``reqif.read_reqif``, ``spreadsheet_import.read_spreadsheet``) turn a file into a
*document*: plain JSON-able values (so the preview can sign it into its form and the confirmation
re-check exactly the same thing), with the file's own attribute names. ``plan_import`` applies a
mapping and compares the result with the draft: every problem of every object, and what would be
added, changed and removed, matched by identifier, then by key. ``services.import_into_draft``
writes a plan without problems, in one transaction.

Identifiers. A requirement's exchange identifier is that of the first requirement of its lineage
(the ``origin`` links, followed back): the identifier a foreign tool gave it on import
(``exchange_id``), else one derived from the referential and that first requirement
(``ans.ref1-mssante.exigence.42``). It is the same in every version and through a change of key,
so a tool that imports 1.1 over 1.0 updates its objects instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError

from .models import Actor, NonConformityLevel, ReferentialVersion, Requirement, Section
from .keys import key_identity, key_problem, normalise_key

KEY_MAX = Requirement._meta.get_field("key").max_length
TITLE_MAX = Requirement._meta.get_field("title").max_length
VERIFICATION_MAX = Requirement._meta.get_field("verification_method").max_length
EXCHANGE_ID_MAX = Requirement._meta.get_field("exchange_id").max_length
CHAPTER_TITLE_MAX = Section._meta.get_field("title").max_length
MAX_REQUIREMENTS = 10_000
# Deeper than any referential's table of contents; bounds the recursion of chapter paths.
MAX_CHAPTER_DEPTH = 20


class ImportRefused(DomainError):
    """The file cannot be read or imported; nothing was written."""

    default_message = gettext_lazy("Ce fichier ne peut pas être importé : rien n'a été enregistré.")


# Identifiers --------------------------------------------------------------------------------------


def derived_identifier(referential_slug: str, kind: str, pk: int) -> str:
    # An xsd:ID must start with a letter: hence the ``ans.`` prefix before the slug.
    return f"ans.{referential_slug}.{kind}.{pk}"


def _roots(rows: list[tuple[int, int | None]]) -> dict[int, int]:
    parent = dict(rows)
    roots: dict[int, int] = {}
    for pk in parent:
        chain = [pk]
        current = pk
        while parent.get(current) and parent[current] not in chain:
            current = parent[current]
            if current in roots:
                break
            chain.append(current)
        root = roots.get(current, current)
        for member in chain:
            roots[member] = root
    return roots


def requirement_identifiers(version: ReferentialVersion) -> dict[int, str]:
    """Exchange identifier of each requirement of ``version``, by primary key; two queries."""
    referential = version.referential
    rows = list(
        Requirement.objects.filter(version__referential_id=referential.pk).values_list("id", "origin_id", "exchange_id")
    )
    roots = _roots([(pk, origin) for pk, origin, _x in rows])
    exchange = {pk: ex for pk, _o, ex in rows}
    wanted = set(version.requirements.values_list("id", flat=True))
    return {
        pk: exchange[roots[pk]] or derived_identifier(referential.slug, "exigence", roots[pk])
        for pk in wanted
    }


def section_identifiers(version: ReferentialVersion) -> dict[int, str]:
    """Exchange identifier of each chapter of ``version`` (the first chapter of its copies)."""
    referential = version.referential
    rows = list(Section.objects.filter(version__referential_id=referential.pk).values_list("id", "origin_id"))
    roots = _roots(rows)
    wanted = set(version.sections.values_list("id", flat=True))
    return {pk: derived_identifier(referential.slug, "chapitre", roots[pk]) for pk in wanted}


# Fields and mapping -------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, no accents, letters and digits only: how names and labels are compared."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"[^a-z0-9]", "", plain)


# Our fields, the attribute names we write, and the usual names other tools give them (compared
# normalised), in order of preference.
FIELDS = {
    "key": (gettext_lazy("Clé"), ["ReqIF.ForeignID", "Clé", "Cle", "Key", "ID", "Identifier", "Identifiant", "Req ID", "ReqIF.Prefix", "Absolute Number"]),
    "title": (gettext_lazy("Titre"), ["ReqIF.Name", "Titre", "Title", "Name", "Nom", "Heading", "Summary"]),
    "statement": (gettext_lazy("Énoncé"), ["ReqIF.Text", "Énoncé", "Enonce", "Text", "Description", "Object Text", "Body", "Content"]),
    "statement_markdown": (gettext_lazy("Énoncé (source Markdown)"), ["ANS.StatementMarkdown"]),
    "level": (gettext_lazy("Niveau de non-conformité"), ["ANS.Level", "Niveau de non-conformité", "Niveau", "Level", "Severity", "Criticality", "Criticité", "Priority"]),
    "actors": (gettext_lazy("Acteurs"), ["ANS.Actors", "Acteurs", "Acteur", "Actors", "Actor", "Stakeholders", "Applies To"]),
    "verification_method": (gettext_lazy("Méthode de vérification"), ["ANS.VerificationMethod", "Méthode de vérification", "Vérification", "Verification Method", "Verification"]),
    "compliance_deadline": (gettext_lazy("Échéance"), ["ANS.ComplianceDeadline", "Échéance", "Echeance", "Deadline", "Due Date", "Compliance Deadline"]),
    "chapter": (gettext_lazy("Titre de chapitre"), ["ReqIF.ChapterName", "Chapitre", "Chapter", "Chapter Name", "Section"]),
}
REQUIRED_FIELDS = ("key", "title", "statement")


def default_mapping(attribute_names: list[str], remembered: dict | None = None) -> dict[str, str]:
    """Our field → the file's attribute: what was remembered for this tool when it still applies,
    else the first usual name present in the file, else nothing."""
    by_normal = {normalise(name): name for name in attribute_names}
    mapping: dict[str, str] = {}
    for name, (_label, usual) in FIELDS.items():
        chosen = (remembered or {}).get(name)
        if chosen in attribute_names:
            mapping[name] = chosen
            continue
        mapping[name] = next((by_normal[normalise(u)] for u in usual if normalise(u) in by_normal), "")
    return mapping


def clean_mapping(raw: dict, attribute_names: list[str]) -> dict[str, str]:
    """Only known fields and attributes of the file; anything else maps to nothing."""
    return {name: (raw.get(name) if raw.get(name) in attribute_names else "") for name in FIELDS}


# From XHTML back to Markdown ----------------------------------------------------------------------


# Elements whose content is never text for a reader: dropped with everything inside them.
UNSEEN_TAGS = {"script", "style", "noscript", "template", "head", "title", "iframe", "frame", "frameset", "embed", "svg", "math"}
LINK_SCHEMES = ("http://", "https://", "mailto:")


def xhtml_to_markdown(fragment) -> str:
    """Markdown for an XHTML statement written by another tool (an lxml element): paragraphs,
    line breaks, lists, emphasis, code and http(s)/mailto links survive; scripts, styles and
    frames are dropped with their content; other markup is reduced to its text."""
    blocks: list[str] = []

    def inline(element) -> str:
        parts = [element.text or ""]
        for child in element:
            tag = _local(child.tag)
            if tag in UNSEEN_TAGS:
                parts.append(child.tail or "")
                continue
            inner = inline(child)
            if tag in ("strong", "b"):
                parts.append(f"**{inner}**" if inner.strip() else inner)
            elif tag in ("em", "i"):
                parts.append(f"*{inner}*" if inner.strip() else inner)
            elif tag == "code":
                parts.append(f"`{inner}`")
            elif tag == "br":
                parts.append("  \n")
            elif tag == "a" and (child.get("href") or "").strip().lower().startswith(LINK_SCHEMES):
                parts.append(f"[{inner}]({child.get('href').strip()})")
            else:
                parts.append(inner)
            parts.append(child.tail or "")
        return "".join(parts)

    def block(element, prefix: str = "") -> None:
        tag = _local(element.tag)
        if tag in UNSEEN_TAGS:
            return
        if tag in ("ul", "ol"):
            lines = []
            for index, item in enumerate((c for c in element if _local(c.tag) == "li"), start=1):
                marker = f"{index}." if tag == "ol" else "-"
                lines.append(f"{marker} {' '.join(inline(item).split())}")
            blocks.append("\n".join(lines))
        elif tag == "pre":
            blocks.append("```\n" + "".join(element.itertext()).strip("\n") + "\n```")
        elif tag in ("div", "blockquote", "object") or (tag not in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") and len(element)):
            if (element.text or "").strip():
                blocks.append(element.text.strip())
            for child in element:
                block(child)
                if (child.tail or "").strip():
                    blocks.append(child.tail.strip())
        elif tag == "table":
            for row in element.iter():
                if _local(row.tag) == "tr":
                    blocks.append(" | ".join(" ".join("".join(cell.itertext()).split()) for cell in row if _local(cell.tag) in ("td", "th")))
        else:
            text = inline(element).strip()
            if text:
                blocks.append(text)

    block(fragment)
    return "\n\n".join(b for b in blocks if b.strip())


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _xhtml_element(value: str):
    """A serialised XHTML value as an element, or None when it is not XML (plain text)."""
    from lxml import etree

    from .reqif import xhtml_fragment  # import here: reqif imports this module

    try:
        return xhtml_fragment(value)
    except etree.XMLSyntaxError:
        return None


def _is_xhtml(obj: dict, name: str, kinds: dict[str, str]) -> bool:
    # Two object types may give one attribute name two kinds (a STRING « ReqIF.Text » on headings,
    # an XHTML one on requirements): each value carries its own. Documents read before values did
    # fall back on the kind of the name's first definition.
    marked = obj.get("xhtml")
    return name in marked if marked is not None else kinds.get(name) == "xhtml"


def _field(obj: dict, name: str | None, kinds: dict[str, str]):
    """The value of attribute ``name`` of an imported object (None when absent); an XHTML value
    is reduced to the text a reader sees, for fields that are plain text (key, title, level…)."""
    value = obj["values"].get(name) if name else None
    if isinstance(value, str) and _is_xhtml(obj, name, kinds):
        element = _xhtml_element(value)
        if element is not None:
            return " ".join(xhtml_text(element).split())
    return value


def xhtml_text(fragment) -> str:
    """The text a reader sees in an XHTML fragment: no markup, no script or style content."""
    parts: list[str] = []

    def walk(element):
        if _local(element.tag) in UNSEEN_TAGS:
            return
        parts.append(element.text or "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")

    walk(fragment)
    return " ".join("".join(parts).split())


# Planning an import -------------------------------------------------------------------------------


@dataclass
class PlannedRequirement:
    where: str
    identifier: str
    chapter: tuple[str, ...]
    key: str = ""
    title: str = ""
    statement: str = ""
    level_id: int | None = None
    level_label: str = ""
    actor_ids: list[int] = field(default_factory=list)
    actor_labels: list[str] = field(default_factory=list)
    verification_method: str = ""
    compliance_deadline: dt.date | None = None
    existing: Requirement | None = None
    changes: list[str] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What an import would do to a draft; applied only when ``problems`` is empty."""

    chapters: list[tuple[tuple[str, ...], str | None]]  # (title path, intro or None if unknown), in order
    requirements: list[PlannedRequirement]
    removed: list[Requirement]
    problems: list[str]

    @property
    def added(self) -> list[PlannedRequirement]:
        return [r for r in self.requirements if r.existing is None]

    @property
    def changed(self) -> list[PlannedRequirement]:
        return [r for r in self.requirements if r.existing is not None and r.changes]

    @property
    def unchanged(self) -> list[PlannedRequirement]:
        return [r for r in self.requirements if r.existing is not None and not r.changes]


CHANGE_LABELS = {
    "key": gettext_lazy("clé"),
    "title": gettext_lazy("titre"),
    "statement": gettext_lazy("énoncé"),
    "level": gettext_lazy("niveau"),
    "actors": gettext_lazy("acteurs"),
    "verification_method": gettext_lazy("méthode de vérification"),
    "compliance_deadline": gettext_lazy("échéance"),
    "chapter": gettext_lazy("chapitre"),
}


def _text(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value or "").strip()


def _as_list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[,;\n]", str(value or "")) if part.strip()]


def _date(value) -> dt.date | None | str:
    text = _text(value)
    if not text:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    return text  # the caller reports it


def _statement(obj: dict, mapping: dict, kinds: dict) -> str:
    source = mapping.get("statement_markdown")
    if source and _text(_field(obj, source, kinds)):
        return _text(_field(obj, source, kinds))
    name = mapping.get("statement")
    value = obj["values"].get(name) if name else None
    if value is None:
        return ""
    if isinstance(value, str) and _is_xhtml(obj, name, kinds):
        element = _xhtml_element(value)
        if element is not None:
            return xhtml_to_markdown(element).strip()
    return _text(value)


def _walk(document: dict, mapping: dict):
    """(object, chapter path) for every requirement object, and the chapters in order."""
    objects = document["objects"]
    kinds = _kinds(document)
    chapter_attr = mapping.get("chapter")
    chapters: list[tuple[tuple[str, ...], str, dict]] = []
    found: list[tuple[dict, tuple[str, ...]]] = []

    def visit(nodes, path):
        for index, children in nodes:
            obj = objects[index]
            heading = _text(_field(obj, chapter_attr, kinds)) if chapter_attr else ""
            if heading:
                chapter = (*path, heading)
                # A spreadsheet says nothing of chapter introductions: None keeps the draft's own.
                intro = _statement(obj, mapping, kinds) if document["format"] == "reqif" else None
                chapters.append((chapter, intro, obj))
                visit(children, chapter)
            else:
                found.append((obj, path))
                visit(children, path)

    visit(document["tree"], ())
    return found, chapters


def _kinds(document: dict) -> dict[str, str]:
    return {a["name"]: a["kind"] for a in document["attributes"]}


def plan_import(version: ReferentialVersion, document: dict, mapping: dict) -> ImportPlan:
    """Compare the mapped document with the draft. Every problem is listed, each naming the object
    (its identifier and line) and the field; nothing is written here."""
    kinds = _kinds(document)
    problems: list[str] = []
    for name in REQUIRED_FIELDS:
        if not mapping.get(name) and not (name == "statement" and mapping.get("statement_markdown")):
            problems.append(
                _("Le champ « %(field)s » n'est associé à aucun attribut du fichier : choisissez-en un.")
                % {"field": FIELDS[name][0]}
            )
    if problems:
        return ImportPlan(chapters=[], requirements=[], removed=[], problems=problems)

    found, chapter_rows = _walk(document, mapping)
    if len(found) > MAX_REQUIREMENTS:
        raise ImportRefused(_("Le fichier compte plus de %(max)s exigences.") % {"max": MAX_REQUIREMENTS})
    levels = list(NonConformityLevel.objects.all())
    level_by_name = {}
    for level in levels:
        for name in (level.slug, level.label, str(level.rank)):
            level_by_name[normalise(name)] = level
    actor_by_name = {}
    for actor in Actor.objects.all():
        for name in (actor.slug, actor.label):
            actor_by_name[normalise(name)] = actor

    seen_chapters = {}
    for path, intro, obj in chapter_rows:
        if len(path[-1]) > CHAPTER_TITLE_MAX:
            problems.append(
                _("%(where)s : titre de chapitre de %(length)s caractères, %(max)s au plus.")
                % {"where": obj["where"], "length": len(path[-1]), "max": CHAPTER_TITLE_MAX}
            )
        seen_chapters.setdefault(path, intro)

    planned: list[PlannedRequirement] = []
    first_key: dict[str, str] = {}
    first_identifier: dict[str, str] = {}
    for obj, path in found:
        where = obj["where"]
        req = PlannedRequirement(where=where, identifier=obj.get("identifier", ""), chapter=path)
        req.key = normalise_key(" ".join(_text(_field(obj, mapping["key"], kinds)).split()))
        req.title = " ".join(_text(_field(obj, mapping["title"], kinds)).split()) if mapping.get("title") else ""
        req.statement = _statement(obj, mapping, kinds)
        if not req.key:
            problems.append(_("%(where)s : la clé est manquante.") % {"where": where})
        elif len(req.key) > KEY_MAX:
            problems.append(_("%(where)s : clé de %(length)s caractères, %(max)s au plus.") % {"where": where, "length": len(req.key), "max": KEY_MAX})
        elif problem := key_problem(req.key):
            problems.append(_("%(where)s : %(problem)s") % {"where": where, "problem": problem})
        elif key_identity(req.key) in first_key:
            # Keys a reader cannot tell apart (case, spaces) are one key.
            problems.append(
                _("%(where)s : la clé « %(key)s » est déjà celle de %(other)s.")
                % {"where": where, "key": req.key, "other": first_key[key_identity(req.key)]}
            )
        else:
            first_key[key_identity(req.key)] = where
        if req.identifier:
            if req.identifier in first_identifier:
                problems.append(
                    _("%(where)s : l'identifiant « %(identifier)s » est déjà celui de %(other)s.")
                    % {"where": where, "identifier": req.identifier, "other": first_identifier[req.identifier]}
                )
            else:
                first_identifier[req.identifier] = where
            if len(req.identifier) > EXCHANGE_ID_MAX:
                problems.append(_("%(where)s : identifiant de plus de %(max)s caractères.") % {"where": where, "max": EXCHANGE_ID_MAX})
        if not req.title:
            problems.append(_("%(where)s : le titre est manquant.") % {"where": where})
        elif len(req.title) > TITLE_MAX:
            problems.append(_("%(where)s : titre de %(length)s caractères, %(max)s au plus.") % {"where": where, "length": len(req.title), "max": TITLE_MAX})
        if not req.statement:
            problems.append(_("%(where)s : l'énoncé est manquant.") % {"where": where})
        if not path:
            problems.append(_("%(where)s : l'exigence n'est dans aucun chapitre.") % {"where": where})
        if mapping.get("level"):
            raw = _text(_field(obj, mapping["level"], kinds))
            if raw:
                level = level_by_name.get(normalise(raw))
                if level is None:
                    problems.append(
                        _("%(where)s : niveau « %(value)s » inconnu (niveaux : %(known)s).")
                        % {"where": where, "value": raw, "known": ", ".join(lv.label for lv in levels)}
                    )
                else:
                    req.level_id, req.level_label = level.pk, level.label
        if mapping.get("actors"):
            for name in _as_list(_field(obj, mapping["actors"], kinds)):
                actor = actor_by_name.get(normalise(name))
                if actor is None:
                    problems.append(_("%(where)s : acteur « %(value)s » inconnu.") % {"where": where, "value": name})
                elif actor.pk not in req.actor_ids:
                    req.actor_ids.append(actor.pk)
                    req.actor_labels.append(actor.label)
        if mapping.get("verification_method"):
            req.verification_method = " ".join(_text(_field(obj, mapping["verification_method"], kinds)).split())
            if len(req.verification_method) > VERIFICATION_MAX:
                problems.append(
                    _("%(where)s : méthode de vérification de plus de %(max)s caractères.") % {"where": where, "max": VERIFICATION_MAX}
                )
        if mapping.get("compliance_deadline"):
            deadline = _date(_field(obj, mapping["compliance_deadline"], kinds))
            if isinstance(deadline, str):
                problems.append(
                    _("%(where)s : échéance « %(value)s » illisible (JJ/MM/AAAA ou AAAA-MM-JJ).") % {"where": where, "value": deadline}
                )
            else:
                req.compliance_deadline = deadline
        planned.append(req)

    if not planned and not problems:
        problems.append(_("Le fichier ne contient aucune exigence (vérifiez la correspondance des attributs)."))

    removed = _match(version, planned)
    return ImportPlan(chapters=list(seen_chapters.items()), requirements=planned, removed=removed, problems=problems)


def _chapter_paths(version: ReferentialVersion) -> dict[int, tuple[str, ...]]:
    sections = {s.pk: s for s in version.sections.all()}
    paths: dict[int, tuple[str, ...]] = {}

    def path(pk, guard=0):
        if pk in paths:
            return paths[pk]
        section = sections[pk]
        parent = path(section.parent_id, guard + 1) if section.parent_id in sections and guard < 50 else ()
        paths[pk] = (*parent, section.title)
        return paths[pk]

    for pk in sections:
        path(pk)
    return paths


def _match(version: ReferentialVersion, planned: list[PlannedRequirement]) -> list[Requirement]:
    """Pair each planned requirement with the draft's, by identifier, then by key; note what
    changes; return the draft's requirements the file no longer holds."""
    existing = list(version.requirements.select_related("level").prefetch_related("actors"))
    identifiers = requirement_identifiers(version) if existing else {}
    by_identifier = {identifiers[r.pk]: r for r in existing}
    by_key = {key_identity(r.key): r for r in existing}
    paths = _chapter_paths(version) if existing else {}
    taken: set[int] = set()
    for req in planned:
        match = by_identifier.get(req.identifier) if req.identifier else None
        if match is None or match.pk in taken:
            match = by_key.get(key_identity(req.key))
        if match is None or match.pk in taken:
            continue
        taken.add(match.pk)
        req.existing = match
        changes = []
        if match.key != req.key:
            changes.append("key")
        if match.title != req.title:
            changes.append("title")
        if match.statement.strip() != req.statement.strip():
            changes.append("statement")
        if match.level_id != req.level_id:
            changes.append("level")
        if sorted(a.pk for a in match.actors.all()) != sorted(req.actor_ids):
            changes.append("actors")
        if match.verification_method != req.verification_method:
            changes.append("verification_method")
        if match.compliance_deadline != req.compliance_deadline:
            changes.append("compliance_deadline")
        if paths.get(match.section_id) != req.chapter:
            changes.append("chapter")
        req.changes = changes
    return [r for r in existing if r.pk not in taken]

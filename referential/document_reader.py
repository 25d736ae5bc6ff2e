"""Reading referential documents (JSON, format in ``fixtures/README.md``) into checked plans.

Nothing here writes. A reader collects *all* the problems of a document, each naming the file, the
version, the requirement and the field, and ``fail_if_any`` raises :class:`InvalidDocument` with the
whole list; ``referential.importers`` writes a plan only once it is valid.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError

from .models import (
    VERSION_NUMBER_RE,
    Actor,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    version_sort_key,
)

DEFAULT_REASON = "Import des données de démonstration"
SLUG_RE = re.compile(r"^[-a-z0-9_]+$")
Status = ReferentialVersion.Status
IMPORTABLE_STATUSES = {Status.DRAFT.value, Status.PUBLISHED.value, Status.SUPERSEDED.value}


class InvalidDocument(DomainError):
    """The document has problems; nothing was written. ``problems`` lists them all, one sentence each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        count = len(problems)
        header = _("%(source)s : document invalide, rien n'a été importé (%(count)d problème(s)).") % {
            "source": source,
            "count": count,
        }
        super().__init__("\n".join([header, *(f"- {p}" for p in problems)]), problems=problems)


def read_document(path: str | Path) -> dict:
    """Read a JSON document; a syntax error becomes an :class:`InvalidDocument` naming the file and line."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidDocument(path.name, [_("fichier introuvable : %(path)s") % {"path": path}]) from None
    except json.JSONDecodeError as exc:
        raise InvalidDocument(
            path.name,
            [_("JSON mal formé, ligne %(line)d, colonne %(col)d : %(msg)s") % {"line": exc.lineno, "col": exc.colno, "msg": exc.msg}],
        ) from None
    if not isinstance(data, dict):
        raise InvalidDocument(path.name, [_("le document doit être un objet JSON ({…}).")])
    return data


# Reading fields --------------------------------------------------------------------------------


class DocumentReader:
    """Collects problems while reading values out of a JSON object; never raises."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where} : {message}" if where else message)

    def obj(self, value, where: str, *, allowed: set[str], required: set[str] = frozenset()) -> dict | None:
        if not isinstance(value, dict):
            self.problem(where, _("un objet JSON ({…}) est attendu."))
            return None
        for name in sorted(set(value) - allowed):
            self.problem(
                where,
                _("champ inconnu « %(field)s » (champs permis : %(allowed)s).")
                % {"field": name, "allowed": ", ".join(sorted(allowed))},
            )
        for name in sorted(required - set(value)):
            self.problem(where, _("champ « %(field)s » obligatoire manquant.") % {"field": name})
        return value

    def text(self, obj: dict, name: str, where: str, *, required=True, max_length=None, lines=False) -> str:
        """A string; with ``lines``, a list of strings is accepted too and joined with line breaks."""
        value = obj.get(name)
        if value is None:
            if required and name in obj:
                self.problem(where, _("champ « %(field)s » : valeur obligatoire.") % {"field": name})
            return ""
        if lines and isinstance(value, list) and all(isinstance(line, str) for line in value):
            value = "\n".join(value)
        if not isinstance(value, str):
            expected = _("un texte ou une liste de lignes") if lines else _("un texte")
            self.problem(where, _("champ « %(field)s » : %(expected)s est attendu.") % {"field": name, "expected": expected})
            return ""
        value = value.strip() if not lines else value.strip("\n")
        if required and not value.strip():
            self.problem(where, _("champ « %(field)s » : valeur obligatoire.") % {"field": name})
        if max_length and len(value) > max_length:
            self.problem(
                where,
                _("champ « %(field)s » : %(length)d caractères, %(max)d au plus.")
                % {"field": name, "length": len(value), "max": max_length},
            )
        return value

    def slug(self, obj: dict, name: str, where: str, *, max_length: int) -> str:
        value = self.text(obj, name, where, max_length=max_length)
        if value and not SLUG_RE.match(value):
            self.problem(
                where,
                _("champ « %(field)s » : « %(value)s » n'est pas un identifiant valide (minuscules, chiffres et tirets).")
                % {"field": name, "value": value},
            )
        return value

    def integer(self, obj: dict, name: str, where: str, *, minimum=0, default=None, nullable=False):
        value = obj.get(name, default)
        if value is None and (nullable or name not in obj):
            return value
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(
                where,
                _("champ « %(field)s » : un entier supérieur ou égal à %(min)d est attendu, pas %(value)s.")
                % {"field": name, "min": minimum, "value": json.dumps(value, ensure_ascii=False)},
            )
            return default
        return value

    def boolean(self, obj: dict, name: str, where: str, *, default=False) -> bool:
        value = obj.get(name, default)
        if not isinstance(value, bool):
            self.problem(where, _("champ « %(field)s » : true ou false est attendu.") % {"field": name})
            return default
        return value

    def date(self, obj: dict, name: str, where: str) -> dt.date | None:
        value = obj.get(name)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(
                where,
                _("champ « %(field)s » : date attendue au format AAAA-MM-JJ, pas %(value)s.")
                % {"field": name, "value": json.dumps(value, ensure_ascii=False)},
            )
            return None

    def datetime(self, obj: dict, name: str, where: str) -> dt.datetime | None:
        value = obj.get(name)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            self.problem(
                where,
                _("champ « %(field)s » : date et heure attendues au format ISO 8601 (2022-06-01T10:00:00+02:00), pas %(value)s.")
                % {"field": name, "value": json.dumps(value, ensure_ascii=False)},
            )
            return None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)

    def fail_if_any(self) -> None:
        if self.problems:
            raise InvalidDocument(self.source, self.problems)


LEVEL_FIELDS = {"slug", "label", "rank", "definition", "remediation_delay_days"}
ACTOR_FIELDS = {"slug", "label", "description", "position"}
def list_of(reader: DocumentReader, data, name: str, *, allowed_top: set[str]) -> list:
    top = reader.obj(data, "", allowed=allowed_top, required={name})
    items = (top or {}).get(name)
    if top is not None and name in top and not isinstance(items, list):
        reader.problem("", _("champ « %(field)s » : une liste est attendue.") % {"field": name})
    return items if isinstance(items, list) else []


# Referentials: reading the document into a plan ---------------------------------------------------

REFERENTIAL_FIELDS = {"slug", "code", "title", "audience", "description", "position"}
VERSION_FIELDS = {
    "number",
    "status",
    "change_summary",
    "based_on",
    "published_at",
    "effective_at",
    "requires_recommitment",
    "compliance_deadline",
    "conformity_rule",
    "chapters",
    "changes",
}
CHAPTER_FIELDS = {"id", "title", "intro", "chapters", "requirements"}
REQUIREMENT_FIELDS = {"key", "title", "statement", "level", "actors", "verification", "deadline", "origin"}
MODIFIABLE_FIELDS = REQUIREMENT_FIELDS - {"origin"}
CHANGE_OPS = {
    "add_chapter": ({"op", "chapter", "parent", "after", "why"}, {"chapter"}),
    "add": ({"op", "chapter", "after", "requirement", "why"}, {"chapter", "requirement"}),
    "remove": ({"op", "key", "why"}, {"key"}),
    "modify": ({"op", "key", "set", "why"}, {"key", "set"}),
    "move": ({"op", "key", "to", "after", "why"}, {"key", "to"}),
    "rename": ({"op", "key", "to", "why"}, {"key", "to"}),
}


@dataclass(eq=False)
class RequirementPlan:
    key: str
    title: str
    statement: str
    level: str
    actors: list[str]
    verification: str = ""
    deadline: dt.date | None = None
    origin: RequirementPlan | None = None
    row: Requirement | None = None


@dataclass(eq=False)
class ChapterPlan:
    id: str | None
    title: str
    intro: str = ""
    children: list[ChapterPlan] = field(default_factory=list)
    requirements: list[RequirementPlan] = field(default_factory=list)
    origin: ChapterPlan | None = None
    row: Section | None = None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class VersionPlan:
    number: str
    status: str
    change_summary: str = ""
    based_on: VersionPlan | None = None
    published_at: dt.datetime | None = None
    effective_at: dt.date | None = None
    requires_recommitment: bool = False
    compliance_deadline: dt.date | None = None
    thresholds: dict[str, int] | None = None
    rule_note: str = ""
    chapters: list[ChapterPlan] = field(default_factory=list)
    row: ReferentialVersion | None = None

    def all_chapters(self):
        for chapter in self.chapters:
            yield from chapter.walk()

    def all_requirements(self):
        for chapter in self.all_chapters():
            yield from chapter.requirements


class ReferentialReader(DocumentReader):
    def __init__(self, source: str):
        super().__init__(source)
        self.levels = set(NonConformityLevel.objects.values_list("slug", flat=True))
        self.actors = set(Actor.objects.values_list("slug", flat=True))

    # Whole document

    def read(self, data) -> tuple[dict, list[VersionPlan]]:
        top = self.obj(data, "", allowed={"referential", "versions"}, required={"referential", "versions"}) or {}
        referential = self.read_referential(top.get("referential"))
        versions: list[VersionPlan] = []
        raw_versions = top.get("versions")
        if "versions" in top and (not isinstance(raw_versions, list) or not raw_versions):
            self.problem("", _("champ « versions » : une liste d'au moins une version est attendue."))
            raw_versions = []
        for index, raw in enumerate(raw_versions or [], start=1):
            plan = self.read_version(raw, index, versions)
            if plan is not None:
                versions.append(plan)
        self.check_statuses(versions)
        return referential, versions

    def read_referential(self, raw) -> dict:
        where = _("référentiel")
        obj = self.obj(raw, where, allowed=REFERENTIAL_FIELDS, required={"slug", "code", "title", "audience"}) or {}
        values = {
            "slug": self.slug(obj, "slug", where, max_length=80),
            "code": self.text(obj, "code", where, max_length=20),
            "title": self.text(obj, "title", where, max_length=250),
            "audience": self.text(obj, "audience", where, max_length=250),
            "description": self.text(obj, "description", where, required=False, lines=True),
            "position": self.integer(obj, "position", where, default=0),
        }
        clash = Referential.objects.filter(code=values["code"]).exclude(slug=values["slug"]).first()
        if values["code"] and clash:
            self.problem(
                where,
                _("champ « code » : le code %(code)s est déjà celui du référentiel « %(slug)s ».")
                % {"code": values["code"], "slug": clash.slug},
            )
        return values

    # Versions

    def read_version(self, raw, index: int, earlier: list[VersionPlan]) -> VersionPlan | None:
        where = _("version n° %(n)d") % {"n": index}
        obj = self.obj(raw, where, allowed=VERSION_FIELDS, required={"number", "status"})
        if obj is None:
            return None
        number = self.text(obj, "number", where, max_length=20)
        if number:
            where = _("version %(number)s") % {"number": number}
            if not re.match(VERSION_NUMBER_RE, number):
                self.problem(where, _("champ « number » : un numéro de version s'écrit comme 1.0 ou 1.0.2."))
            if any(v.number == number for v in earlier):
                self.problem(where, _("champ « number » : cette version figure deux fois dans le document."))
        status = self.text(obj, "status", where)
        if status and status not in IMPORTABLE_STATUSES:
            self.problem(
                where,
                _("champ « status » : « %(value)s » ne s'importe pas (valeurs permises : %(allowed)s).")
                % {"value": status, "allowed": ", ".join(sorted(IMPORTABLE_STATUSES))},
            )
        plan = VersionPlan(
            number=number,
            status=status,
            change_summary=self.text(obj, "change_summary", where, required=False, lines=True),
            published_at=self.datetime(obj, "published_at", where),
            effective_at=self.date(obj, "effective_at", where),
            requires_recommitment=self.boolean(obj, "requires_recommitment", where),
            compliance_deadline=self.date(obj, "compliance_deadline", where),
        )
        if plan.published_at and status == Status.DRAFT:
            self.problem(where, _("champ « published_at » : un brouillon n'a pas de date de publication."))

        based_on = obj.get("based_on")
        if based_on is not None:
            plan.based_on = next((v for v in earlier if v.number == based_on), None)
            if plan.based_on is None:
                self.problem(
                    where,
                    _("champ « based_on » : la version « %(number)s » doit figurer plus haut dans le document.")
                    % {"number": based_on},
                )

        if "conformity_rule" in obj:
            plan.thresholds, plan.rule_note = self.read_rule(obj["conformity_rule"], where)
        elif plan.based_on is not None:
            plan.thresholds, plan.rule_note = dict(plan.based_on.thresholds or {}), plan.based_on.rule_note

        has_chapters, has_changes = "chapters" in obj, "changes" in obj
        if has_chapters == has_changes:
            self.problem(where, _("indiquez soit « chapters » (contenu complet), soit « changes » (écarts à « based_on »)."))
        elif has_changes:
            if plan.based_on is None:
                self.problem(where, _("champ « changes » : il faut aussi « based_on », la version à laquelle ils s'appliquent."))
            else:
                plan.chapters = _copy_chapters(plan.based_on.chapters)
                self.apply_changes(plan, obj["changes"], where)
        else:
            plan.chapters = self.read_chapters(obj["chapters"], where, plan)
        self.check_version(plan, where)
        return plan

    def read_rule(self, raw, where: str) -> tuple[dict[str, int], str]:
        where = _("%(where)s › règle de conformité") % {"where": where}
        obj = self.obj(raw, where, allowed={"thresholds", "note"}, required={"thresholds"}) or {}
        thresholds = {}
        raw_thresholds = obj.get("thresholds", {})
        if not isinstance(raw_thresholds, dict):
            self.problem(where, _("champ « thresholds » : un objet {niveau: nombre maximal d'écarts} est attendu."))
            raw_thresholds = {}
        for slug in raw_thresholds:
            if slug not in self.levels:
                self.problem(where, self.unknown_level(slug, "thresholds"))
                continue
            value = self.integer(raw_thresholds, slug, where)
            if value is not None:
                thresholds[slug] = value
        return thresholds, self.text(obj, "note", where, required=False, lines=True)

    def check_statuses(self, versions: list[VersionPlan]) -> None:
        published = [v for v in versions if v.status == Status.PUBLISHED]
        if len(published) > 1:
            self.problem(
                "",
                _("une seule version peut être publiée ; le document en publie %(count)d (%(numbers)s).")
                % {"count": len(published), "numbers": ", ".join(v.number for v in published)},
            )
        frozen = [v for v in versions if v.status in (Status.PUBLISHED, Status.SUPERSEDED) and v.number]
        highest = max((v.number for v in frozen), key=_sort_key, default=None)
        for version in versions:
            where = _("version %(number)s") % {"number": version.number}
            if version.status == Status.SUPERSEDED and published and _sort_key(version.number) > _sort_key(published[0].number):
                self.problem(where, _("une version remplacée doit être antérieure à la version publiée %(number)s.") % {"number": published[0].number})
            if version.status == Status.DRAFT and highest and _sort_key(version.number) <= _sort_key(highest):
                self.problem(
                    where,
                    _("un brouillon doit porter un numéro supérieur à la dernière version publiée (%(highest)s).")
                    % {"highest": highest},
                )

    def check_version(self, plan: VersionPlan, where: str) -> None:
        requirements = list(plan.all_requirements())
        if plan.status in (Status.PUBLISHED, Status.SUPERSEDED) and not requirements:
            self.problem(where, _("une version publiée doit contenir au moins une exigence."))
        seen: set[str] = set()
        for requirement in requirements:
            if requirement.key in seen:
                self.problem(where, _("clé « %(key)s » en double dans la version.") % {"key": requirement.key})
            seen.add(requirement.key)
        ids: set[str] = set()
        for chapter in plan.all_chapters():
            if chapter.id and chapter.id in ids:
                self.problem(where, _("identifiant de chapitre « %(id)s » en double.") % {"id": chapter.id})
            ids.add(chapter.id)

    # Chapters and requirements (full form)

    def read_chapters(self, raw, where: str, plan: VersionPlan) -> list[ChapterPlan]:
        if not isinstance(raw, list):
            self.problem(where, _("champ « chapters » : une liste de chapitres est attendue."))
            return []
        base_chapters = {c.id: c for c in plan.based_on.all_chapters() if c.id} if plan.based_on else {}
        base_requirements = {r.key: r for r in plan.based_on.all_requirements()} if plan.based_on else {}
        return [
            chapter
            for index, item in enumerate(raw, start=1)
            if (chapter := self.read_chapter(item, where, str(index), base_chapters, base_requirements)) is not None
        ]

    def read_chapter(self, raw, where, number, base_chapters, base_requirements) -> ChapterPlan | None:
        here = _("%(where)s › chapitre %(number)s") % {"where": where, "number": number}
        obj = self.obj(raw, here, allowed=CHAPTER_FIELDS, required={"title"})
        if obj is None:
            return None
        chapter_id = obj.get("id")
        if chapter_id is not None and (not isinstance(chapter_id, str) or not chapter_id):
            self.problem(here, _("champ « id » : un texte non vide est attendu."))
            chapter_id = None
        chapter = ChapterPlan(
            id=chapter_id,
            title=self.text(obj, "title", here, max_length=250),
            intro=self.text(obj, "intro", here, required=False, lines=True),
            origin=base_chapters.get(chapter_id),
        )
        if chapter.title:
            here = _("%(where)s › chapitre %(number)s « %(title)s »") % {"where": where, "number": number, "title": chapter.title}
        for index, item in enumerate(_as_list(self, obj, "chapters", here), start=1):
            child = self.read_chapter(item, where, f"{number}.{index}", base_chapters, base_requirements)
            if child is not None:
                chapter.children.append(child)
        for item in _as_list(self, obj, "requirements", here):
            requirement = self.read_requirement(item, here, base_requirements)
            if requirement is not None:
                chapter.requirements.append(requirement)
        return chapter

    def read_requirement(self, raw, where: str, base_requirements=None, *, allow_origin=True) -> RequirementPlan | None:
        allowed = REQUIREMENT_FIELDS if allow_origin else MODIFIABLE_FIELDS
        here = _("%(where)s › exigence") % {"where": where}
        obj = self.obj(raw, here, allowed=allowed, required={"key", "title", "statement", "level", "actors"})
        if obj is None:
            return None
        key = self.text(obj, "key", here, max_length=40)
        if key:
            here = _("%(where)s › exigence %(key)s") % {"where": where, "key": key}
        requirement = RequirementPlan(
            key=key,
            title=self.text(obj, "title", here, max_length=250),
            statement=self.text(obj, "statement", here, lines=True),
            level=self.level(obj, here),
            actors=self.actor_list(obj, here),
            verification=self.text(obj, "verification", here, required=False, max_length=250),
            deadline=self.date(obj, "deadline", here),
        )
        origin_key = obj.get("origin")
        if origin_key is not None:
            requirement.origin = (base_requirements or {}).get(origin_key)
            if requirement.origin is None:
                self.problem(
                    here,
                    _("champ « origin » : aucune exigence « %(key)s » dans la version « based_on ».") % {"key": origin_key},
                )
        return requirement

    def level(self, obj: dict, where: str) -> str:
        slug = obj.get("level")
        if slug is None:
            return ""
        if slug not in self.levels:
            self.problem(where, self.unknown_level(slug, "level"))
        return slug

    def unknown_level(self, slug, field_name: str) -> str:
        return _("champ « %(field)s » : niveau de non-conformité inconnu « %(value)s » (niveaux connus : %(known)s).") % {
            "field": field_name,
            "value": slug,
            "known": ", ".join(sorted(self.levels)) or _("aucun, importez d'abord les niveaux"),
        }

    def actor_list(self, obj: dict, where: str) -> list[str]:
        actors = obj.get("actors")
        if actors is None:
            return []
        if not isinstance(actors, list) or not actors or not all(isinstance(a, str) for a in actors):
            self.problem(where, _("champ « actors » : une liste non vide d'identifiants d'acteurs est attendue."))
            return []
        for slug in actors:
            if slug not in self.actors:
                self.problem(
                    where,
                    _("champ « actors » : acteur inconnu « %(value)s » (acteurs connus : %(known)s).")
                    % {"value": slug, "known": ", ".join(sorted(self.actors)) or _("aucun, importez d'abord les acteurs")},
                )
        if len(set(actors)) != len(actors):
            self.problem(where, _("champ « actors » : un même acteur est cité deux fois."))
        return list(dict.fromkeys(actors))

    # Changes relative to based_on

    def apply_changes(self, plan: VersionPlan, raw, where: str) -> None:
        if not isinstance(raw, list):
            self.problem(where, _("champ « changes » : une liste de changements est attendue."))
            return
        for index, change in enumerate(raw, start=1):
            here = _("%(where)s › changement n° %(n)d") % {"where": where, "n": index}
            op = change.get("op") if isinstance(change, dict) else None
            if op not in CHANGE_OPS:
                self.problem(
                    here,
                    _("champ « op » : « %(value)s » inconnu (opérations permises : %(allowed)s).")
                    % {"value": op, "allowed": ", ".join(CHANGE_OPS)},
                )
                continue
            allowed, required = CHANGE_OPS[op]
            if self.obj(change, f"{here} ({op})", allowed=allowed, required=required) is None:
                continue
            if not required <= set(change):
                continue
            getattr(self, f"change_{op}")(plan, change, f"{here} ({op})")

    def find_requirement(self, plan: VersionPlan, key, where: str):
        for chapter in plan.all_chapters():
            for requirement in chapter.requirements:
                if requirement.key == key:
                    return chapter, requirement
        self.problem(where, _("champ « key » : aucune exigence « %(key)s » à ce stade de la version.") % {"key": key})
        return None, None

    def find_chapter(self, plan: VersionPlan, chapter_id, where: str, field_name: str) -> ChapterPlan | None:
        chapter = next((c for c in plan.all_chapters() if c.id and c.id == chapter_id), None)
        if chapter is None:
            self.problem(
                where,
                _("champ « %(field)s » : aucun chapitre d'identifiant « %(value)s ».") % {"field": field_name, "value": chapter_id},
            )
        return chapter

    def insert(self, chapter: ChapterPlan, requirement: RequirementPlan, after, where: str) -> None:
        if after is None:
            chapter.requirements.append(requirement)
            return
        index = next((i for i, r in enumerate(chapter.requirements) if r.key == after), None)
        if index is None:
            self.problem(
                where,
                _("champ « after » : l'exigence « %(key)s » n'est pas dans le chapitre « %(chapter)s ».")
                % {"key": after, "chapter": chapter.title},
            )
            chapter.requirements.append(requirement)
        else:
            chapter.requirements.insert(index + 1, requirement)

    def change_add_chapter(self, plan, change, where):
        new = self.read_chapter(change["chapter"], where, "+", {}, {})
        if new is None:
            return
        if not new.id:
            self.problem(where, _("champ « chapter » : un chapitre ajouté doit avoir un « id »."))
        siblings = plan.chapters
        if change.get("parent") is not None:
            parent = self.find_chapter(plan, change["parent"], where, "parent")
            if parent is None:
                return
            siblings = parent.children
        after = change.get("after")
        if after is None:
            siblings.append(new)
            return
        index = next((i for i, c in enumerate(siblings) if c.id == after), None)
        if index is None:
            self.problem(where, _("champ « after » : aucun chapitre frère d'identifiant « %(value)s ».") % {"value": after})
            siblings.append(new)
        else:
            siblings.insert(index + 1, new)

    def change_add(self, plan, change, where):
        chapter = self.find_chapter(plan, change["chapter"], where, "chapter")
        requirement = self.read_requirement(change["requirement"], where, allow_origin=False)
        if chapter is None or requirement is None:
            return
        if any(r.key == requirement.key for r in plan.all_requirements()):
            self.problem(where, _("la clé « %(key)s » est déjà utilisée dans la version.") % {"key": requirement.key})
        self.insert(chapter, requirement, change.get("after"), where)

    def change_remove(self, plan, change, where):
        chapter, requirement = self.find_requirement(plan, change["key"], where)
        if requirement is not None:
            chapter.requirements.remove(requirement)

    def change_modify(self, plan, change, where):
        chapter, requirement = self.find_requirement(plan, change["key"], where)
        values = self.obj(change["set"], f"{where} › set", allowed=MODIFIABLE_FIELDS | {"chapter"})
        if requirement is None or values is None:
            return
        here = f"{where} › set"
        if "key" in values:
            self.rename(plan, requirement, values["key"], here)
        if "title" in values:
            requirement.title = self.text(values, "title", here, max_length=250)
        if "statement" in values:
            requirement.statement = self.text(values, "statement", here, lines=True)
        if "level" in values:
            requirement.level = self.level(values, here)
        if "actors" in values:
            requirement.actors = self.actor_list(values, here)
        if "verification" in values:
            requirement.verification = self.text(values, "verification", here, required=False, max_length=250)
        if "deadline" in values:
            requirement.deadline = self.date(values, "deadline", here)
        if "chapter" in values:
            self.move(plan, chapter, requirement, values["chapter"], None, here)

    def change_move(self, plan, change, where):
        chapter, requirement = self.find_requirement(plan, change["key"], where)
        if requirement is not None:
            self.move(plan, chapter, requirement, change["to"], change.get("after"), where)

    def change_rename(self, plan, change, where):
        _chapter, requirement = self.find_requirement(plan, change["key"], where)
        if requirement is not None:
            self.rename(plan, requirement, change["to"], where)

    def move(self, plan, chapter, requirement, target_id, after, where):
        target = self.find_chapter(plan, target_id, where, "to")
        if target is None:
            return
        if target is chapter:
            self.problem(where, _("l'exigence « %(key)s » est déjà dans ce chapitre.") % {"key": requirement.key})
            return
        chapter.requirements.remove(requirement)
        self.insert(target, requirement, after, where)

    def rename(self, plan, requirement, new_key, where):
        if not isinstance(new_key, str) or not new_key.strip() or len(new_key.strip()) > 40:
            self.problem(where, _("nouvelle clé invalide : un texte non vide de 40 caractères au plus est attendu."))
            return
        new_key = new_key.strip()
        if any(r.key == new_key for r in plan.all_requirements() if r is not requirement):
            self.problem(where, _("la clé « %(key)s » est déjà utilisée dans la version.") % {"key": new_key})
            return
        requirement.key = new_key


def _as_list(reader: DocumentReader, obj: dict, name: str, where: str) -> list:
    value = obj.get(name, [])
    if not isinstance(value, list):
        reader.problem(where, _("champ « %(field)s » : une liste est attendue.") % {"field": name})
        return []
    return value


def _sort_key(number: str):
    try:
        return version_sort_key(number)
    except ValueError:
        return ()


def _copy_chapters(chapters: list[ChapterPlan]) -> list[ChapterPlan]:
    """A fresh copy of a version's tree, each chapter and requirement pointing at the one it copies."""
    copies = []
    for chapter in chapters:
        copies.append(
            ChapterPlan(
                id=chapter.id,
                title=chapter.title,
                intro=chapter.intro,
                origin=chapter,
                children=_copy_chapters(chapter.children),
                requirements=[
                    RequirementPlan(
                        key=r.key,
                        title=r.title,
                        statement=r.statement,
                        level=r.level,
                        actors=list(r.actors),
                        verification=r.verification,
                        deadline=r.deadline,
                        origin=r,
                    )
                    for r in chapter.requirements
                ],
            )
        )
    return copies

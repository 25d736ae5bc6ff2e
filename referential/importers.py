"""Loading non-conformity levels, actors and whole referentials from JSON documents.

The format is described in ``fixtures/README.md``. Every importer reads the whole
document, collects *all* its problems (each naming the file, the version, the
requirement and the field) and raises :class:`InvalidDocument` before writing
anything; when the document is valid, it writes everything in one transaction.

Importing is idempotent: a level, an actor or a referential whose slug already
exists is left exactly as it is (an editor may have changed it since).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .errors import DomainError
from .models import (
    VERSION_NUMBER_RE,
    Actor,
    ConformityThreshold,
    NonConformityLevel,
    Referential,
    ReferentialVersion,
    Requirement,
    Section,
    version_sort_key,
)
from .roles import CONTRIBUTOR_GROUP, EDITOR_GROUP
from .services import publication_problems, publish_version
from .keys import key_identity, key_problem, normalise_key
from .text import normalise_line, normalise_text

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


@dataclass
class ImportReport:
    source: str
    created: list[str] = field(default_factory=list)  # what was written, for a person to read
    skipped: list[str] = field(default_factory=list)  # what already existed and was left untouched

    @property
    def was_skipped(self) -> bool:
        return not self.created and bool(self.skipped)


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


class _Reader:
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
        # The same form as text typed in a form (see referential/text.py).
        value = normalise_line(value) if not lines else normalise_text(value)
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


def _history_kwargs(by, reason):
    return {"_change_reason": reason, **({"_history_user": by} if by is not None else {})}


def _save(instance, *, by, reason):
    for name, value in _history_kwargs(by, reason).items():
        setattr(instance, name, value)
    instance.save()
    return instance


# Levels and actors -----------------------------------------------------------------------------

LEVEL_FIELDS = {"slug", "label", "rank", "definition", "remediation_delay_days"}
ACTOR_FIELDS = {"slug", "label", "description", "position"}


def import_levels(data: dict, *, by=None, source: str = "levels.json", reason: str = DEFAULT_REASON) -> ImportReport:
    """Create the non-conformity levels of ``data["levels"]`` that do not exist yet (matched by slug)."""
    reader = _Reader(source)
    rows = []
    items = _list_of(reader, data, "levels", allowed_top={"levels"})
    existing = {level.slug: level for level in NonConformityLevel.objects.all()}
    seen_slugs: set[str] = set()
    seen_ranks: dict[int, str] = {}
    for index, item in enumerate(items, start=1):
        where = _("niveau n° %(n)d") % {"n": index}
        obj = reader.obj(item, where, allowed=LEVEL_FIELDS, required={"slug", "label", "rank", "definition"})
        if obj is None:
            continue
        slug = reader.slug(obj, "slug", where, max_length=30)
        where = _("niveau « %(slug)s »") % {"slug": slug} if slug else where
        row = NonConformityLevel(
            slug=slug,
            label=reader.text(obj, "label", where, max_length=60),
            definition=reader.text(obj, "definition", where, lines=True),
            rank=reader.integer(obj, "rank", where, minimum=1),
            remediation_delay_days=reader.integer(obj, "remediation_delay_days", where, nullable=True),
        )
        if slug in seen_slugs:
            reader.problem(where, _("identifiant présent deux fois dans le document."))
        seen_slugs.add(slug)
        if row.rank is not None:
            if row.rank in seen_ranks:
                reader.problem(
                    where,
                    _("champ « rank » : le rang %(rank)d est déjà celui du niveau « %(other)s ».")
                    % {"rank": row.rank, "other": seen_ranks[row.rank]},
                )
            seen_ranks[row.rank] = slug
            holder = next((lv for lv in existing.values() if lv.rank == row.rank and lv.slug != slug), None)
            if holder is not None and slug not in existing:
                reader.problem(
                    where,
                    _("champ « rank » : le rang %(rank)d est déjà pris par le niveau existant « %(other)s ».")
                    % {"rank": row.rank, "other": holder.slug},
                )
        rows.append(row)
    reader.fail_if_any()
    return _create_missing(rows, existing, source=source, by=by, reason=reason)


def import_actors(data: dict, *, by=None, source: str = "actors.json", reason: str = DEFAULT_REASON) -> ImportReport:
    """Create the actors of ``data["actors"]`` that do not exist yet (matched by slug)."""
    reader = _Reader(source)
    rows = []
    items = _list_of(reader, data, "actors", allowed_top={"actors"})
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        where = _("acteur n° %(n)d") % {"n": index}
        obj = reader.obj(item, where, allowed=ACTOR_FIELDS, required={"slug", "label"})
        if obj is None:
            continue
        slug = reader.slug(obj, "slug", where, max_length=60)
        where = _("acteur « %(slug)s »") % {"slug": slug} if slug else where
        if slug in seen:
            reader.problem(where, _("identifiant présent deux fois dans le document."))
        seen.add(slug)
        rows.append(
            Actor(
                slug=slug,
                label=reader.text(obj, "label", where, max_length=120),
                description=reader.text(obj, "description", where, required=False, lines=True),
                position=reader.integer(obj, "position", where, default=0),
            )
        )
    reader.fail_if_any()
    existing = {actor.slug: actor for actor in Actor.objects.all()}
    return _create_missing(rows, existing, source=source, by=by, reason=reason)


def _list_of(reader: _Reader, data, name: str, *, allowed_top: set[str]) -> list:
    top = reader.obj(data, "", allowed=allowed_top, required={name})
    items = (top or {}).get(name)
    if top is not None and name in top and not isinstance(items, list):
        reader.problem("", _("champ « %(field)s » : une liste est attendue.") % {"field": name})
    return items if isinstance(items, list) else []


@transaction.atomic
def _create_missing(rows, existing: dict, *, source: str, by, reason: str) -> ImportReport:
    report = ImportReport(source)
    for row in rows:
        if row.slug in existing:
            report.skipped.append(row.slug)
        else:
            _save(row, by=by, reason=reason)
            report.created.append(row.slug)
    return report


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
class _RequirementPlan:
    key: str
    title: str
    statement: str
    level: str
    actors: list[str]
    verification: str = ""
    deadline: dt.date | None = None
    origin: _RequirementPlan | None = None
    row: Requirement | None = None


@dataclass(eq=False)
class _ChapterPlan:
    id: str | None
    title: str
    intro: str = ""
    children: list[_ChapterPlan] = field(default_factory=list)
    requirements: list[_RequirementPlan] = field(default_factory=list)
    origin: _ChapterPlan | None = None
    row: Section | None = None

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class _VersionPlan:
    number: str
    status: str
    change_summary: str = ""
    based_on: _VersionPlan | None = None
    published_at: dt.datetime | None = None
    effective_at: dt.date | None = None
    requires_recommitment: bool = False
    compliance_deadline: dt.date | None = None
    thresholds: dict[str, int] | None = None
    rule_note: str = ""
    chapters: list[_ChapterPlan] = field(default_factory=list)
    row: ReferentialVersion | None = None

    def all_chapters(self):
        for chapter in self.chapters:
            yield from chapter.walk()

    def all_requirements(self):
        for chapter in self.all_chapters():
            yield from chapter.requirements


class _ReferentialReader(_Reader):
    def __init__(self, source: str):
        super().__init__(source)
        self.levels = set(NonConformityLevel.objects.values_list("slug", flat=True))
        self.actors = set(Actor.objects.values_list("slug", flat=True))

    # Whole document

    def read(self, data) -> tuple[dict, list[_VersionPlan]]:
        top = self.obj(data, "", allowed={"referential", "versions"}, required={"referential", "versions"}) or {}
        referential = self.read_referential(top.get("referential"))
        versions: list[_VersionPlan] = []
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

    def read_version(self, raw, index: int, earlier: list[_VersionPlan]) -> _VersionPlan | None:
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
        plan = _VersionPlan(
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

    def check_statuses(self, versions: list[_VersionPlan]) -> None:
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

    def check_version(self, plan: _VersionPlan, where: str) -> None:
        requirements = list(plan.all_requirements())
        if plan.status in (Status.PUBLISHED, Status.SUPERSEDED) and not requirements:
            self.problem(where, _("une version publiée doit contenir au moins une exigence."))
        seen: set[str] = set()
        for requirement in requirements:
            # Keys a reader cannot tell apart (case, no-break spaces) are the same key.
            if key_identity(requirement.key) in seen:
                self.problem(where, _("clé « %(key)s » en double dans la version.") % {"key": requirement.key})
            seen.add(key_identity(requirement.key))
        ids: set[str] = set()
        for chapter in plan.all_chapters():
            if chapter.id and chapter.id in ids:
                self.problem(where, _("identifiant de chapitre « %(id)s » en double.") % {"id": chapter.id})
            ids.add(chapter.id)

    # Chapters and requirements (full form)

    def read_chapters(self, raw, where: str, plan: _VersionPlan) -> list[_ChapterPlan]:
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

    def read_chapter(self, raw, where, number, base_chapters, base_requirements) -> _ChapterPlan | None:
        here = _("%(where)s › chapitre %(number)s") % {"where": where, "number": number}
        obj = self.obj(raw, here, allowed=CHAPTER_FIELDS, required={"title"})
        if obj is None:
            return None
        chapter_id = obj.get("id")
        if chapter_id is not None and (not isinstance(chapter_id, str) or not chapter_id):
            self.problem(here, _("champ « id » : un texte non vide est attendu."))
            chapter_id = None
        chapter = _ChapterPlan(
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

    def read_requirement(self, raw, where: str, base_requirements=None, *, allow_origin=True) -> _RequirementPlan | None:
        allowed = REQUIREMENT_FIELDS if allow_origin else MODIFIABLE_FIELDS
        here = _("%(where)s › exigence") % {"where": where}
        obj = self.obj(raw, here, allowed=allowed, required={"key", "title", "statement", "level", "actors"})
        if obj is None:
            return None
        key = normalise_key(self.text(obj, "key", here, max_length=40))
        if key:
            here = _("%(where)s › exigence %(key)s") % {"where": where, "key": key}
            if problem := key_problem(key):
                self.problem(here, problem)
        requirement = _RequirementPlan(
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

    def apply_changes(self, plan: _VersionPlan, raw, where: str) -> None:
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

    def find_requirement(self, plan: _VersionPlan, key, where: str):
        for chapter in plan.all_chapters():
            for requirement in chapter.requirements:
                if requirement.key == key:
                    return chapter, requirement
        self.problem(where, _("champ « key » : aucune exigence « %(key)s » à ce stade de la version.") % {"key": key})
        return None, None

    def find_chapter(self, plan: _VersionPlan, chapter_id, where: str, field_name: str) -> _ChapterPlan | None:
        chapter = next((c for c in plan.all_chapters() if c.id and c.id == chapter_id), None)
        if chapter is None:
            self.problem(
                where,
                _("champ « %(field)s » : aucun chapitre d'identifiant « %(value)s ».") % {"field": field_name, "value": chapter_id},
            )
        return chapter

    def insert(self, chapter: _ChapterPlan, requirement: _RequirementPlan, after, where: str) -> None:
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
        if any(key_identity(r.key) == key_identity(requirement.key) for r in plan.all_requirements()):
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
        new_key = normalise_key(new_key)
        if problem := key_problem(new_key):
            self.problem(where, problem)
            return
        if any(key_identity(r.key) == key_identity(new_key) for r in plan.all_requirements() if r is not requirement):
            self.problem(where, _("la clé « %(key)s » est déjà utilisée dans la version.") % {"key": new_key})
            return
        requirement.key = new_key


def _as_list(reader: _Reader, obj: dict, name: str, where: str) -> list:
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


def _copy_chapters(chapters: list[_ChapterPlan]) -> list[_ChapterPlan]:
    """A fresh copy of a version's tree, each chapter and requirement pointing at the one it copies."""
    copies = []
    for chapter in chapters:
        copies.append(
            _ChapterPlan(
                id=chapter.id,
                title=chapter.title,
                intro=chapter.intro,
                origin=chapter,
                children=_copy_chapters(chapter.children),
                requirements=[
                    _RequirementPlan(
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


# Referentials: writing ---------------------------------------------------------------------------


def import_referential(
    data: dict, *, by=None, source: str = "document", reason: str = DEFAULT_REASON
) -> ImportReport:
    """Import a referential and all its versions, or nothing at all.

    The whole document is checked first; any problem raises :class:`InvalidDocument`
    listing them all. A referential whose slug already exists is left untouched.
    Frozen versions are written as drafts, checked with the publication checks of
    ``services.publication_problems``, then frozen with the dates of the document.
    """
    reader = _ReferentialReader(source)
    values, versions = reader.read(data)
    reader.fail_if_any()

    report = ImportReport(source)
    if Referential.objects.filter(slug=values["slug"]).exists():
        report.skipped.append(_("%(code)s (%(slug)s)") % values)
        return report
    with transaction.atomic():
        referential = _save(Referential(**values), by=by, reason=reason)
        levels = dict(NonConformityLevel.objects.values_list("slug", "pk"))
        actors = dict(Actor.objects.values_list("slug", "pk"))
        for plan in versions:
            _write_version(referential, plan, levels=levels, actors=actors, by=by, reason=reason, source=source)
            report.created.append(
                _("%(code)s v%(number)s (%(status)s, %(count)d exigences)")
                % {
                    "code": referential.code,
                    "number": plan.number,
                    "status": Status(plan.status).label,
                    "count": sum(1 for _r in plan.all_requirements()),
                }
            )
    return report


def _write_version(referential, plan: _VersionPlan, *, levels, actors, by, reason, source) -> None:
    version = _save(
        ReferentialVersion(
            referential=referential,
            number=plan.number,
            status=Status.DRAFT,
            change_summary=plan.change_summary,
            based_on=plan.based_on.row if plan.based_on else None,
            conformity_rule_note=plan.rule_note,
            effective_at=plan.effective_at,
            requires_recommitment=plan.requires_recommitment,
            compliance_deadline=plan.compliance_deadline,
        ),
        by=by,
        reason=reason,
    )
    plan.row = version

    # Chapters, parents first; positions count from 1 among siblings.
    def write_chapters(chapters, parent):
        for position, chapter in enumerate(chapters, start=1):
            chapter.row = _save(
                Section(
                    version=version,
                    parent=parent,
                    origin=chapter.origin.row if chapter.origin else None,
                    position=position,
                    title=chapter.title,
                    intro=chapter.intro,
                ),
                by=by,
                reason=reason,
            )
            write_chapters(chapter.children, chapter.row)

    write_chapters(plan.chapters, None)

    # Requirements in reading order: chapter after chapter, positions 10, 20, 30…
    ordered = [(chapter, req) for chapter in plan.all_chapters() for req in chapter.requirements]
    rows = [
        Requirement(
            version=version,
            section=chapter.row,
            origin=req.origin.row if req.origin else None,
            key=req.key,
            title=req.title,
            statement=req.statement,
            level_id=levels[req.level],
            verification_method=req.verification,
            compliance_deadline=req.deadline,
            position=10 * index,
        )
        for index, (chapter, req) in enumerate(ordered, start=1)
    ]
    _create_requirements(rows, [[actors[slug] for slug in req.actors] for _c, req in ordered], by=by, reason=reason)
    for (_chapter, req), row in zip(ordered, rows, strict=True):
        req.row = row

    for slug, max_findings in (plan.thresholds or {}).items():
        _save(ConformityThreshold(version=version, level_id=levels[slug], max_findings=max_findings), by=by, reason=reason)

    if plan.status in (Status.PUBLISHED, Status.SUPERSEDED):
        problems = publication_problems(version)
        if problems:
            raise InvalidDocument(source, [_("version %(number)s : %(problem)s") % {"number": plan.number, "problem": p} for p in problems])
        # Published through the service, so the version gets its PDF, with the document's date.
        version = publish_version(version=version, by=by, published_at=plan.published_at)
        if plan.status == Status.SUPERSEDED:
            version.status = Status.SUPERSEDED
            _save(version, by=by, reason=reason)


def _create_requirements(rows: list[Requirement], actor_ids: list[list[int]], *, by, reason) -> None:
    """Bulk-create requirements with one history record each that already lists their actors.

    Saving one by one and then setting actors would record two history entries per
    requirement (created without actors, then actors added), which a history page
    would show as a change that nobody made.
    """
    if not rows:
        return
    bulk_create_with_history(rows, Requirement, default_user=by, default_change_reason=reason)
    if any(row.pk is None for row in rows):  # databases that do not return primary keys
        by_key = dict(Requirement.objects.filter(version=rows[0].version).values_list("key", "pk"))
        for row in rows:
            row.pk = by_key[row.key]
    through = Requirement.actors.through
    through.objects.bulk_create(
        [through(requirement_id=row.pk, actor_id=actor_id) for row, ids in zip(rows, actor_ids, strict=True) for actor_id in ids]
    )
    historical = Requirement.history.model
    m2m_history = historical.actors.model
    history_ids = dict(
        historical.objects.filter(id__in=[row.pk for row in rows], history_type="+").values_list("id", "history_id")
    )
    m2m_history.objects.bulk_create(
        [
            m2m_history(history_id=history_ids[requirement_id], id=link_id, requirement_id=requirement_id, actor_id=actor_id)
            for link_id, requirement_id, actor_id in through.objects.filter(
                requirement_id__in=history_ids
            ).values_list("id", "requirement_id", "actor_id")
        ]
    )


# Roles -----------------------------------------------------------------------------------------

# The editor group works in the admin: full rights on the catalogue, read-only on its history.
# Consultation rows are never hard-deleted (DESIGN §6), so editors get no delete right there.
EDITOR_APP_ACTIONS = {
    "referential": ("add", "change", "delete", "view"),
    "consultation": ("add", "change", "view"),
}


def ensure_role_groups() -> dict[str, Group]:
    """Create the ``editor`` and ``contributor`` groups and give editors their admin permissions.

    Idempotent: permissions are only ever added, so rights granted by hand are kept.
    """
    from django.apps import apps
    from django.contrib.auth.management import create_permissions

    editor, _created = Group.objects.get_or_create(name=EDITOR_GROUP)
    contributor, _created = Group.objects.get_or_create(name=CONTRIBUTOR_GROUP)

    wanted: list[tuple[type, str]] = []
    for label, actions in EDITOR_APP_ACTIONS.items():
        try:
            app_config = apps.get_app_config(label)
        except LookupError:
            continue
        create_permissions(app_config, verbosity=0)
        for model in app_config.get_models():
            is_history = hasattr(model, "instance_type")  # simple-history's historical models
            for action in ("view",) if is_history else actions:
                wanted.append((model, f"{action}_{model._meta.model_name}"))
    content_types = ContentType.objects.get_for_models(*{model for model, _codename in wanted})
    by_type: dict[int, set[str]] = {}
    for model, codename in wanted:
        by_type.setdefault(content_types[model].pk, set()).add(codename)
    permissions = [
        perm
        for perm in Permission.objects.filter(content_type_id__in=by_type)
        if perm.codename in by_type[perm.content_type_id]
    ]
    editor.permissions.add(*permissions)
    return {EDITOR_GROUP: editor, CONTRIBUTOR_GROUP: contributor}

"""Requirement search as French readers type: accents, case and typographic punctuation do not
matter (`boite` finds « boîte », `MEDECIN` finds « médecin »), and a key is found however it is
spaced (`mss17` finds `MSS 17`).

The same rule runs in three places, which must agree:

- ``fold`` / ``compact`` in Python (highlighting; and SQLite, where they are registered as SQL
  functions on every connection, SQLite having no accent folding of its own);
- ``Folded`` / ``Compacted`` as SQL expressions, on PostgreSQL ``lower(unaccent(…))``;
- on PostgreSQL, French full-text search on top (stemming: `exigences` finds « exigence »),
  through the ``french_unaccent`` text search configuration of migration 0004, ranked.

A reader's text matches a requirement when, folded, it occurs in the folded key, title and
statement (as a phrase), or when its compact form (letters and digits only) occurs in the compact
key; on PostgreSQL also when the French phrase query matches the title or statement.
"""

import re
import unicodedata

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Characters a French text holds that a keyboard does not type, folded to what people type.
_TYPED = {
    "\u2019": "'",  # ’
    "\u2018": "'",  # ‘
    "\u02bc": "'",  # ʼ
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",  # thin space
    "\u2011": "-",  # non-breaking hyphen
    "\u2013": "-",  # –
    "\u2014": "-",  # —
}
_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"}
_TRANSLATION = str.maketrans({**_TYPED, **_LIGATURES})
_SQL_FROM = "".join(_TYPED)
_SQL_TO = "".join(_TYPED.values()).replace("'", "''")
FTS_CONFIG = "french_unaccent"


def fold(text: str | None) -> str:
    """Lower case, without accents, with the apostrophes, spaces and dashes a keyboard types."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLATION))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


_LEADING_ZEROS = r"(^|[^0-9])0+([0-9])"  # the same pattern in Python and in PostgreSQL


def compact(text: str | None) -> str:
    """Folded, letters and digits only, numbers without leading zeros: how keys are compared
    (`MSS 17`, `mss 017` → `mss17`)."""
    return re.sub(_LEADING_ZEROS, r"\1\2", re.sub(r"[^0-9a-z]", "", fold(text)))


def register_sqlite_functions(sender, connection, **kwargs):
    """Connected to ``connection_created``: SQLite has no accent folding, so it calls ours."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("ref_fold", 1, fold, deterministic=True)
        connection.connection.create_function("ref_compact", 1, compact, deterministic=True)


class Folded(Func):
    """``fold`` as SQL (plain ``LOWER`` on other databases)."""

    function = "LOWER"

    def as_sqlite(self, compiler, conn, **extra):
        return super().as_sql(compiler, conn, function="ref_fold", **extra)

    def as_postgresql(self, compiler, conn, **extra):
        # unaccent strips accents and splits ligatures (œ → oe); translate() types the rest.
        template = f"lower(unaccent(translate(%(expressions)s, '{_SQL_FROM}', '{_SQL_TO}')))"
        return super().as_sql(compiler, conn, template=template, **extra)


class Compacted(Func):
    """``compact`` as SQL."""

    function = "LOWER"

    def as_sqlite(self, compiler, conn, **extra):
        return super().as_sql(compiler, conn, function="ref_compact", **extra)

    def as_postgresql(self, compiler, conn, **extra):
        template = (
            "regexp_replace(regexp_replace(lower(unaccent(%(expressions)s)), '[^0-9a-z]', '', 'g'),"
            f" '{_LEADING_ZEROS}', '\\1\\2', 'g')"
        )
        return super().as_sql(compiler, conn, template=template, **extra)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_query(q: str | None) -> str:
    """``q`` without control characters (tabs and line breaks kept): nothing a reader types, and a NUL
    byte is refused by PostgreSQL in a query."""
    return _CONTROL.sub("", q or "")


def search_requirements(requirements: QuerySet, q: str) -> QuerySet:
    """``requirements`` matching ``q``, each annotated with ``search_rank`` (higher is better)."""
    q = clean_query(q)
    folded, key = fold(q).strip(), compact(q)
    text = Concat(F("key"), Value(" "), F("title"), Value(" "), F("statement"), output_field=TextField())
    requirements = requirements.annotate(search_text=Folded(text), search_key=Compacted(F("key")))
    matches = Q(search_text__contains=folded)
    # A key typed whole ranks first, then a key that contains it, then the text's own rank.
    rank = Value(0.0, output_field=FloatField())
    if key:
        matches |= Q(search_key__contains=key)
        rank = Case(
            When(search_key=key, then=Value(2.0)),
            When(search_key__contains=key, then=Value(1.0)),
            default=Value(0.0),
            output_field=FloatField(),
        )
    if connection.vendor == "postgresql":
        vector = SearchVector("title", weight="A", config=FTS_CONFIG) + SearchVector(
            "statement", weight="B", config=FTS_CONFIG
        )
        query = SearchQuery(q, search_type="phrase", config=FTS_CONFIG)
        requirements = requirements.annotate(search_vector=vector)
        matches |= Q(search_vector=query)
        rank = rank + SearchRank(vector, query)
    return requirements.filter(matches).annotate(search_rank=rank)


# Highlighting ------------------------------------------------------------------------------------

_TAG_OR_ENTITY = re.compile(r"(<[^>]*>|&[#\w]+;)")
_WORD = re.compile(r"\w+")


def search_terms(q: str | None) -> list[str]:
    """The folded words of a search worth marking (not single letters such as the l of l'), longest first."""
    words = {w for w in _WORD.findall(fold(q or "")) if len(w) > 1 or w.isdigit()}
    return sorted(words, key=len, reverse=True)


def _folded_with_origins(text: str) -> tuple[str, list[int]]:
    """``text`` folded, and for each folded character the index of the character it came from."""
    out, origin = [], []
    for index, char in enumerate(text):
        for folded_char in fold(char):
            out.append(folded_char)
            origin.append(index)
    return "".join(out), origin


def _mark_text(text: str, terms: list[str]) -> str:
    """``text`` (already escaped) with every word beginning with one of ``terms`` marked."""
    folded, origin = _folded_with_origins(text)
    spans: list[tuple[int, int]] = []
    for term in terms:
        for found in re.finditer(r"(?<!\w)" + re.escape(term), folded):
            start, end = origin[found.start()], origin[found.end() - 1] + 1
            if not any(s < end and start < e for s, e in spans):
                spans.append((start, end))
    if not spans:
        return text
    pieces, last = [], 0
    for start, end in sorted(spans):
        pieces += [text[last:start], "<mark>", text[start:end], "</mark>"]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def highlight(value, q: str | None) -> SafeString:
    """``value`` (safe HTML, or plain text, then escaped) with the words found by ``q`` marked.

    Only text between tags is touched: never a tag, an attribute or an entity."""
    html = value if isinstance(value, SafeString) else escape(value or "")
    terms = search_terms(q)
    if not terms:
        return mark_safe(html)
    parts = _TAG_OR_ENTITY.split(html)
    for i in range(0, len(parts), 2):
        parts[i] = _mark_text(parts[i], terms)
    return mark_safe("".join(parts))


def highlight_key(key: str, q: str | None) -> SafeString:
    """A requirement key, marked whole when the search found it by its compact form (`mss17`)."""
    wanted = compact(q)
    if wanted and wanted in compact(key):
        return mark_safe(f"<mark>{escape(key)}</mark>")
    return highlight(key, q)

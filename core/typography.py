"""French typography, applied once to what we print in French: pages, PDFs and e-mails.

French sets a narrow no-break space (U+202F) before ``: ; ! ?`` and inside « », and writes the
apostrophe ’. Translators, templates and editors type ``Statut :``, ``« titre »`` and ``l'opérateur``
with ordinary spaces and straight quotes; rather than asking every string and every stored text to be
typed right, the finished French output is typeset here, at the three places where text leaves the
application (``FrenchTypographyMiddleware`` for pages, ``core.pdf.html_to_pdf`` for PDFs,
the mail helpers for e-mails). English output never passes here, so nothing French stays in it.

Only text is touched: in HTML, text nodes, never tags or attribute values, nor the content of
``script``, ``style``, ``pre``, ``code``, ``kbd``, ``samp`` and ``textarea`` (code, Markdown code
spans and blocks, what a user is typing). Within text, URLs and e-mail addresses are left as they are,
and a colon between digits (a time, ``10:30``) or inside a word (``urn:oid``) is not punctuation.
Stored texts keep what was typed: search folds ’ and ' alike (``referential/search.py``) and exports
carry the editors' own characters.
"""

import html as html_lib
import re

NNBSP = "\u202f"
NBSP = "\u00a0"
APOSTROPHE = "\u2019"

# Code, scripts and what a user types keep every character; comments are not text.
_RAW = ("script", "style", "pre", "code", "kbd", "samp", "textarea")
# A fragment already typeset (``typeset_fragment``): passed through whole, not read again.
TYPESET_OPEN, TYPESET_CLOSE = "<!--typeset-->", "<!--/typeset-->"
_TOKEN = re.compile(
    re.escape(TYPESET_OPEN) + r".*?" + re.escape(TYPESET_CLOSE) + r"|<!--.*?-->"
    r"|<(" + "|".join(_RAW) + r")\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>.*?</\1\s*>"
    r"|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
    r"|[^<]+",
    re.IGNORECASE | re.DOTALL,
)
# Text keeps flowing through these tags, so « <em>titre</em> » and <strong>Note</strong> : are one run.
_INLINE = re.compile(r"</?(a|abbr|b|cite|del|dfn|em|i|ins|mark|q|s|small|span|strong|sub|sup|time|u)\b", re.IGNORECASE)

_PROTECTED = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>«»\"]*[^\s<>«»\".,;:!?)\]]"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",  # e-mail addresses
    re.IGNORECASE,
)
_SPACE = f"[ {NBSP}{NNBSP}]"
# A space before : ; ! ? that ends a clause (the mark is not followed by a letter, digit or slash,
# nor is it the ``::`` of an IPv6 address such as ``::1``).
_SPACED_MARK = re.compile(rf"(?<=\S){_SPACE}+(?=[:;!?](?![\w/:]))")
# The same mark glued to a word: ``Statut:`` at the end of a clause becomes ``Statut :``.
_GLUED_MARK = re.compile(r"(?<=[^\W_]|[)\]»’”])(?=[:;!?](?:\s|$))")
_AFTER_OPENING = re.compile(rf"«(?:{_SPACE}+|(?=\S))")
_BEFORE_CLOSING = re.compile(rf"(?:{_SPACE}+|(?<=\S))»")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])")
_CONCERNED = re.compile(r"[:;!?«»']")


def _typeset_plain(text: str) -> str:
    text = _SPACED_MARK.sub(NNBSP, text)
    text = _GLUED_MARK.sub(NNBSP, text)
    text = _AFTER_OPENING.sub("«" + NNBSP, text)
    text = _BEFORE_CLOSING.sub(NNBSP + "»", text)
    return _APOSTROPHE.sub(APOSTROPHE, text)


def _typeset_run(text: str, before: str) -> str:
    """``text`` typeset, URLs and e-mail addresses kept; ``before`` is the character the run follows
    (from a previous inline element), so that ``<b>Note</b>:`` is seen as ``Note:``."""
    if before != "«" and not _CONCERNED.search(text):
        return text  # most text nodes: nothing to do, and pages are long
    out, position = [], 0
    for match in _PROTECTED.finditer(text):
        out.append(_typeset_plain(before + text[position : match.start()])[len(before) :])
        out.append(match.group(0))
        position, before = match.end(), match.group(0)[-1]
    out.append(_typeset_plain(before + text[position:])[len(before) :])
    return "".join(out)


def french_text(text: str) -> str:
    """Plain ``text`` (an e-mail body, a subject) with French typography: narrow no-break spaces
    before ``: ; ! ?`` and inside « », ’ for the apostrophe between letters; URLs, e-mail addresses and
    times untouched."""
    return _typeset_run(text, "")


def french_html(html: str) -> str:
    """``html`` (a page, a print template, an e-mail) with French typography in its text nodes only;
    tags, attribute values, comments and code/script/style/pre/textarea content are returned as they
    came. Entities are decoded in the text it changes (``&#x27;`` becomes ’); ``& < >`` stay escaped."""
    start = html.find(TYPESET_OPEN)
    if start < 0:
        return _french_html(html)
    # Fragments already typeset (``typeset_fragment``: a version's cached body, megabytes) are cut
    # out with ``str.find`` and passed through whole, never scanned by the tokenizer; what lies
    # between them is typeset as before (a fragment is a block: the text after it starts afresh).
    out, position = [], 0
    while start >= 0:
        end = html.find(TYPESET_CLOSE, start)
        if end < 0:
            break
        end += len(TYPESET_CLOSE)
        out.append(_french_html(html[position:start]))
        out.append(html[start:end])
        position = end
        start = html.find(TYPESET_OPEN, position)
    out.append(_french_html(html[position:]))
    return "".join(out)


def _french_html_bytes(content: bytes, charset: str) -> bytes:
    """``french_html`` on an encoded page: the typeset fragments (megabytes for a large version) are
    found and kept as bytes, only what lies around them is decoded, typeset and encoded again."""
    open_mark, close_mark = TYPESET_OPEN.encode(charset), TYPESET_CLOSE.encode(charset)
    start = content.find(open_mark)
    if start < 0:
        return _french_html(content.decode(charset)).encode(charset)
    out, position = [], 0
    while start >= 0:
        end = content.find(close_mark, start)
        if end < 0:
            break
        end += len(close_mark)
        out.append(_french_html(content[position:start].decode(charset)).encode(charset))
        out.append(content[start:end])
        position = end
        start = content.find(open_mark, position)
    out.append(_french_html(content[position:].decode(charset)).encode(charset))
    return b"".join(out)


def _french_html(html: str) -> str:
    out, before = [], ""
    for match in _TOKEN.finditer(html):
        token = match.group(0)
        if token[0] == "<":
            out.append(token)
            if match.group(1) or not _INLINE.match(token):
                before = ""
            continue
        text = html_lib.unescape(token) if "&" in token else token
        typeset = _typeset_run(text, before)
        if typeset == text:
            out.append(token)
        else:
            out.append(typeset.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
        before = text[-1:] if text.strip() else before
    return "".join(out)


def typeset_fragment(html: str, *, language: str | None) -> str:
    """A fragment of a page typeset once for ``language`` and marked so that the page's middleware
    passes it through without reading it again: for large fragments kept in a cache (a version's
    2,000 requirements are 2 MB of HTML; typesetting them is most of the cost of serving them)."""
    if not is_french(language):
        return html
    return TYPESET_OPEN + french_html(html) + TYPESET_CLOSE


def typeset_mail(subject: str, text: str, html: str, *, language: str) -> tuple[str, str, str]:
    """An e-mail's subject, text and HTML bodies typeset for ``language`` (unchanged unless French)."""
    if not is_french(language):
        return subject, text, html
    return french_text(subject), french_text(text), french_html(html)


def is_french(language: str | None) -> bool:
    """Whether output in ``language`` (``fr``, ``fr-fr``, ``en``…; ``None`` for unknown) is typeset."""
    return (language or "").lower().split("-")[0] == "fr"


class FrenchTypographyMiddleware:
    """Typesets French HTML pages (``french_html``); other languages, other content types,
    streamed responses and responses a view typeset itself (``response.typeset``: a page kept whole,
    ``referential.page_cache``) pass unchanged. Place it after ``LocaleMiddleware``, which sets the
    page's language in ``Content-Language``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            getattr(response, "streaming", False)
            or getattr(response, "typeset", False)
            or not response.get("Content-Type", "").startswith("text/html")
            or not is_french(response.get("Content-Language"))
            or response.status_code in (204, 304)
        ):
            return response
        charset = response.charset or "utf-8"
        response.content = _french_html_bytes(response.content, charset)
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response

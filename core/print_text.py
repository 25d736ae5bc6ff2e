"""Long words that may break in print.

WeasyPrint wraps a word longer than the line (``overflow-wrap``) only inside one text run: a URL or a
literal format split by inline markup (``XDM/…_<NOM>_0123…``, where Markdown made ``<NOM>`` italic)
runs off the page whole. So before printing, every run of more than ``LONG`` visible characters
without a space gets zero-width spaces (U+200B, invisible) after its separators (``/ . _ - …``) and at
least every ``STEP`` characters: break opportunities that are there whatever the markup around them.
Shorter runs (keys, file names, dates) are left untouched.
"""

import re

LONG = 40
STEP = 16
ZWSP = "\u200b"
_SEPARATORS = set("/._-?&=+:;,)]}|#")
_BODY = re.compile(r"<body\b", re.IGNORECASE)
_TEXT = re.compile(r">([^<]+)<")
_RUN = re.compile(r"(?:&#?\w+;|[^\s&<])+")
_CHAR = re.compile(r"&#?\w+;|.", re.DOTALL)


def _soften_run(match: re.Match) -> str:
    run = match.group(0)
    characters = _CHAR.findall(run)
    if len(characters) <= LONG:
        return run
    out, since_break = [], 0
    for index, character in enumerate(characters):
        out.append(character)
        since_break += 1
        last = index == len(characters) - 1
        if not last and (since_break >= STEP or (character in _SEPARATORS and since_break >= 3)):
            out.append(ZWSP)
            since_break = 0
    return "".join(out)


def _soften_text(match: re.Match) -> str:
    return ">" + _RUN.sub(_soften_run, match.group(1)) + "<"


def breakable_long_words(html: str) -> str:
    """``html`` with break opportunities in long words of its body; tags, attributes and the head unchanged."""
    body = _BODY.search(html)
    if body is None:
        return html
    start = body.start()
    return html[:start] + _TEXT.sub(_soften_text, html[start:])

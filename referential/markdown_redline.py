"""Redlines of Markdown texts that read as formatted text, not as markup.

Both texts go through the one render function (``render_markdown``); the redline is then computed word
by word on the *rendered* text, each word carrying its inline formatting (bold, italic, code, link), and
written back into the new text's HTML structure:

- words in both texts are kept as they are, inside the new text's paragraphs, list items and tables;
- inserted words are wrapped in ``<ins>`` where they stand;
- deleted words are put back, in ``<del>``, just before the word that follows them in the new text
  (or after the last one), with their own formatting: ``**DEVRAIT**`` → ``**DOIT**`` reads as a bold
  ~~DEVRAIT~~ then a bold DOIT, never as ``**~~DEVRAIT~~DOIT**``;
- a word whose formatting changed (``DOIT`` → ``**DOIT**``) counts as deleted and inserted.

The output is well formed (``<ins>``/``<del>`` only ever wrap text and inline elements) and made of the
sanitiser's output only, so it is as safe as ``render_markdown``'s.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import escape
from html.parser import HTMLParser

from django.utils.safestring import SafeString, mark_safe

from core.markdown import render_markdown

INLINE = {"strong", "em", "code", "a", "del", "ins", "s", "br"}
# Elements whose text is content; text directly in the others (ul, ol, table, tr…) is layout white space.
TEXT_BLOCKS = {"p", "li", "td", "th", "h3", "h4", "h5", "h6", "pre", "blockquote"}
_START_TAG = re.compile(r"<(\w+)")
_END_TAG = re.compile(r"</(\w+)>")
_EMPTY_INLINE = re.compile(r"<(strong|em|code|a|s)(?:\s[^>]*)?></\1>")
_WORDS = re.compile(r"\w[\w\u0300-\u036f]*|\s+|[^\w\s]")


@dataclass
class _Text:
    text: str  # one word, one run of white space or one other character, unescaped
    inline: tuple[str, ...]  # start tags of the inline elements around it, outermost first
    block: int  # which text block it belongs to (a serial number)

    @property
    def key(self):
        return (self.text, self.inline)


class _Tokens(HTMLParser):
    """The rendered HTML as a flat list: tags (raw strings) and words (``_Text``)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.items: list[str | _Text] = []
        self.stack: list[tuple[str, str]] = []  # (name, raw start tag)
        self.blocks = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        raw = self.get_starttag_text()
        self.items.append(raw)
        if tag == "br":
            return
        if tag in TEXT_BLOCKS:
            self.blocks += 1
        self.stack.append((tag, raw))

    def handle_endtag(self, tag):
        self.items.append(f"</{tag}>")
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        names = [name for name, _raw in self.stack]
        block = next((name for name in reversed(names) if name not in INLINE), None)
        if block not in TEXT_BLOCKS:
            self.items.append(escape(data, quote=False))  # layout white space between blocks
            return
        inline = tuple(raw for name, raw in self.stack if name in INLINE)
        self.items.extend(_Text(word, inline, self.blocks) for word in _WORDS.findall(data))

    @property
    def words(self) -> list[_Text]:
        return [item for item in self.items if isinstance(item, _Text)]


def _tag_name(start_tag: str) -> str:
    return _START_TAG.match(start_tag).group(1)


def _deleted_html(words: list[_Text]) -> str:
    """Deleted words in one ``<del>``, each with its own inline formatting; a space between blocks."""
    parts, previous = [], None
    for word in words:
        if previous is not None and word.block != previous.block and not parts[-1].endswith(" "):
            parts.append(" ")
        closing = "".join(f"</{_tag_name(raw)}>" for raw in reversed(word.inline))
        parts.append("".join(word.inline) + escape(word.text, quote=False) + closing)
        previous = word
    # Adjacent words with the same formatting: let the browser see one element, not one per word.
    html = "".join(parts)
    html = re.sub(r"</(strong|em|code|s)><\1>", "", html)
    return f"<del>{html}</del>"


def _folded(opcodes, new_words: list[_Text]) -> list[tuple]:
    """A lone space kept between two changes is folded into one change, so that « a b c » → « x y c »
    reads as one replacement rather than two cut by a kept space."""
    merged: list[list] = []
    for opcode in opcodes:
        tag, i1, i2, j1, j2 = opcode
        if (
            tag != "equal"
            and len(merged) >= 2
            and merged[-1][0] == "equal"
            and merged[-2][0] != "equal"
            and merged[-1][4] - merged[-1][3] == 1
            and new_words[merged[-1][3]].text.isspace()
        ):
            space = merged.pop()
            previous = merged.pop()
            merged.append(["replace", previous[1], i2, previous[3], j2])
            del space
        else:
            merged.append(list(opcode))
    return [tuple(opcode) for opcode in merged]


def markdown_redline(old_text: str, new_text: str) -> SafeString:
    """The new text rendered, with ``<ins>`` around inserted words and the deleted ones in ``<del>``."""
    old, new = _Tokens(str(render_markdown(old_text or ""))), _Tokens(str(render_markdown(new_text or "")))
    old_words, new_words = old.words, new.words
    matcher = SequenceMatcher(None, [w.key for w in old_words], [w.key for w in new_words], autojunk=False)
    inserted: set[int] = set()
    deleted_before: dict[int, list[_Text]] = {}  # new word index → old words deleted just before it
    for tag, i1, i2, j1, j2 in _folded(matcher.get_opcodes(), new_words):
        if tag in ("replace", "delete"):
            deleted_before.setdefault(j1, []).extend(old_words[i1:i2])
        if tag in ("replace", "insert"):
            inserted.update(range(j1, j2))
    trailing = deleted_before.pop(len(new_words), [])

    out: list[str] = []
    open_inline: list[str] = []  # start tags of the new text's inline elements open at this point
    in_ins = False

    def close_ins():
        nonlocal in_ins
        if in_ins:
            out.append("</ins>")
            in_ins = False

    def put_deleted(words: list[_Text]):
        # Deleted words carry their own formatting: the new text's open inline elements are closed
        # around them (never a link inside a link), then opened again.
        close_ins()
        out.extend(f"</{_tag_name(raw)}>" for raw in reversed(open_inline))
        out.append(_deleted_html(words))
        out.extend(open_inline)

    index = -1
    for item in new.items:
        if not isinstance(item, _Text):
            close_ins()
            out.append(item)
            name = _START_TAG.match(item) or _END_TAG.match(item)
            if name and name.group(1) in INLINE and name.group(1) != "br":
                if item.startswith("</"):
                    if open_inline:
                        open_inline.pop()
                else:
                    open_inline.append(item)
            continue
        index += 1
        if index in deleted_before:
            put_deleted(deleted_before[index])
        if index in inserted and not in_ins:
            out.append("<ins>")
            in_ins = True
        elif index not in inserted:
            close_ins()
        out.append(escape(item.text, quote=False))
        if index == len(new_words) - 1:
            close_ins()
            if trailing:
                put_deleted(trailing)
                trailing = []
    if trailing:  # nothing left of the text: what was deleted stands on its own
        out.append(f"<p>{_deleted_html(trailing)}</p>")
    # Closing and opening again may leave empty elements behind.
    html = _EMPTY_INLINE.sub("", "".join(out))
    return mark_safe(html)  # noqa: S308 — tags from render_markdown's sanitised output, text escaped

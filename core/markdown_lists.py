"""Lists as editors type them, for Python-Markdown.

Editors write ``L'opérateur **DOIT** :`` and, on the very next line, ``- chiffrer``; they nest with two
spaces as often as with four. Python-Markdown wants a blank line before a list and four spaces per
level. This preprocessor rewrites the source before parsing, following CommonMark's rules:

- a bullet list, or an ordered list starting at 1, may start right after a paragraph line (a blank
  line is inserted); ``en\\n2024. Puis…`` stays a paragraph, as in CommonMark;
- inside a list, an item indented more than the item above it is nested one level deeper, whatever
  the number of spaces (1 to 8), and the item is re-indented by four spaces per level;
- a list may also start indented (tabs become four spaces) right after a paragraph line, where an
  indented line cannot be code; a list right after a blockquote starts outside it;
- text outside lists, code blocks (four spaces after a blank line) included, is left as it is;
  fenced code blocks (`````/``~~~``, to the end of the text when unclosed) are passed whole, and a
  blockquote's lines are read as a text of their own (lists after a line inside a quote).

Why not an extension from PyPI: ``mdx_truly_sane_lists`` nests at a fixed indent (2 *or* 4 spaces, not
both: with 2, a four-space nested list is flattened into its parent's text) and does not start a
list after a paragraph line; ``mdx_breakless_lists`` does, but lets any ``2024. `` line start a list
and inserts blank lines into code blocks. Both behaviours are one pass over the lines, here.
"""

import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

_ITEM = re.compile(r"^( *)([*+-]|(\d{1,9})\.) +(\S.*)$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_QUOTED = re.compile(r"^ {0,3}> ?")


class EditorListsPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        """Fenced code blocks are passed as they are; a blockquote's lines are read as a text of their own."""
        out: list[str] = []
        text: list[str] = []  # lines outside fences and blockquotes, read together
        position = 0
        while position < len(lines):
            line = lines[position]
            fence = _FENCE.match(line)
            if fence:
                # Up to the closing fence (same character, at least as long), or the end of the text.
                marker = fence.group(1)
                end = position + 1
                while end < len(lines) and not re.match(rf"^ {{0,3}}{marker[0]}{{{len(marker)},}}\s*$", lines[end]):
                    end += 1
                out += self._lists(text)
                if text and text[-1].strip():
                    out.append("")  # a fence right after a line: Python-Markdown wants a blank line
                text = []
                out += lines[position : end + 1]
                if end >= len(lines):
                    out.append(marker)  # unclosed: code to the end, as in CommonMark
                position = end + 1
                continue
            if _QUOTED.match(line):
                end = position
                while end < len(lines) and _QUOTED.match(lines[end]):
                    end += 1
                out += self._lists(text)
                text = []
                inner = self.run([_QUOTED.sub("", quoted, count=1) for quoted in lines[position:end]])
                out += [f"> {inner_line}" if inner_line else ">" for inner_line in inner]
                if end < len(lines) and _ITEM.match(lines[end]):
                    out.append("")  # a list right after the quote: not more of its paragraph
                position = end
                continue
            text.append(line)
            position += 1
        return out + self._lists(text)

    def _lists(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        markers: list[int] = []  # indentation of the item markers of the open list, one per level
        previous_blank = True
        paragraph_in_item = False  # the current item holds a paragraph after a blank line
        in_code = False  # inside a code block indented by four spaces
        for line in lines:
            if not line.strip():
                out.append(line)
                previous_blank = True
                continue
            indent = len(line) - len(line.lstrip(" "))
            item = _ITEM.match(line)
            if not markers:
                in_code = indent >= 4 and (in_code or previous_blank)
            # A list may start indented (by tabs: four spaces each) right after a paragraph line,
            # where an indented line cannot be code: else its markers would show as text.
            if item and not markers and (indent < 4 or not (previous_blank or in_code)):
                ordered_not_one = item.group(3) is not None and int(item.group(3)) != 1
                if previous_blank or not ordered_not_one:
                    if not previous_blank:
                        out.append("")
                    markers = [indent]
            if item and markers:
                while len(markers) > 1 and indent < markers[-1]:
                    markers.pop()
                if indent > markers[-1]:
                    markers.append(indent)
                elif len(markers) == 1:
                    markers[0] = min(markers[0], indent)
                depth = len(markers) - 1
                if paragraph_in_item and not previous_blank:
                    out.append("")  # else Python-Markdown reads the item as more of that paragraph
                paragraph_in_item = False
                out.append(" " * (4 * depth) + f"{item.group(2)} {item.group(4)}")
            elif markers and previous_blank and indent == 0:
                markers = []  # a paragraph after the list: the list is over
                out.append(line)
            elif markers and indent > 0:
                # More text of the current item (after a blank line, a paragraph of its own).
                paragraph_in_item = paragraph_in_item or previous_blank
                out.append(" " * (4 * len(markers)) + line.lstrip(" "))
            else:
                out.append(line)
            previous_blank = False
        return out


class EditorListsExtension(Extension):
    def extendMarkdown(self, md):
        # After whitespace normalisation (priority 30), before anything reads blocks.
        md.preprocessors.register(EditorListsPreprocessor(md), "editor_lists", 27)

from django import template

from referential.markdown import render_markdown

from ..models import RidaItem

register = template.Library()

NATURE_BADGES = {
    RidaItem.Nature.INFORMATION: "fr-badge--info",
    RidaItem.Nature.DECISION: "fr-badge--purple-glycine",
    RidaItem.Nature.ACTION: "fr-badge--warning",
}
STATUS_BADGES = {
    RidaItem.ActionStatus.OPEN: "fr-badge--new",
    RidaItem.ActionStatus.DONE: "fr-badge--success",
    RidaItem.ActionStatus.DROPPED: "",
}
ROMAN = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
         (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


@register.filter(name="markdown")
def markdown_filter(text):
    """The project's one Markdown renderer (sanitized HTML)."""
    return render_markdown(text)


@register.filter
def roman(number):
    """1 → I, 4 → IV: the agenda of ANS minutes is numbered in Roman numerals."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        return number
    result = ""
    for value, letters in ROMAN:
        while number >= value:
            result += letters
            number -= value
    return result


@register.filter
def nature_badge(nature):
    return NATURE_BADGES.get(nature, "")


@register.filter
def status_badge(status):
    return STATUS_BADGES.get(status, "")

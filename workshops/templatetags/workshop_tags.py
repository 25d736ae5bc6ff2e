"""Template tags of workshop minutes: badges of RIDA items, the agenda's Roman numbering, and the RIDA
items on a requirement's page (the referential templates load these; the referential app never
imports workshop code)."""

from django import template

from referential.templatetags.referential_tags import markdown_filter

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


# The project's one Markdown renderer, under the same name as on the referential side.
register.filter("markdown", markdown_filter)


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


@register.inclusion_tag("workshops/_requirement_rida.html", takes_context=True)
def requirement_rida(context, requirement):
    """The RIDA items of the workshops that concern a requirement, for its page (referential side)."""
    from workshops.queries import rida_items_for_requirement

    request = context.get("request")
    return {"rida_items": rida_items_for_requirement(requirement, user=getattr(request, "user", None))}



"""``{% language_fragment "name" %}…{% endlanguage_fragment %}``: a part of the page layout that
depends on nothing but the language (the footer, the DSFR stylesheets, the display-settings modal),
rendered once per language and URL configuration in each process, then reused by every page.

Only for parts that read nothing of the request, the user or the view's context: never a CSRF token,
a CSP nonce, a signed-in name, messages or the current path. Templates only change with a deployment
(which restarts the processes); with ``DEBUG`` on, fragments are rendered every time so that edits show.
"""

import threading

from django import template
from django.conf import settings
from django.urls import get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_RENDERED: dict[tuple, str] = {}
_LOCK = threading.Lock()


class LanguageFragmentNode(template.Node):
    def __init__(self, name: str, nodelist: template.NodeList):
        self.name, self.nodelist = name, nodelist

    def render(self, context) -> str:
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (self.name, get_language(), get_urlconf() or settings.ROOT_URLCONF, settings.STATIC_URL)
        html = _RENDERED.get(key)
        if html is None:
            # Rendered in a context of its own: whatever the page's context holds cannot leak in.
            html = self.nodelist.render(context.new())
            with _LOCK:
                _RENDERED[key] = html
        return mark_safe(html)


@register.tag
def language_fragment(parser, token):
    """``{% language_fragment "footer" %}…{% endlanguage_fragment %}``; the name must be a quoted string."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError("language_fragment takes one quoted name")
    nodelist = parser.parse(("endlanguage_fragment",))
    parser.delete_first_token()
    return LanguageFragmentNode(bits[1][1:-1], nodelist)


def clear() -> None:
    """Forgets the rendered fragments (tests that change templates or translations)."""
    with _LOCK:
        _RENDERED.clear()

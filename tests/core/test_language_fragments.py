"""``{% language_fragment %}``: layout parts that depend only on the language are rendered once per
language and reused, the same HTML as rendered each time, and never see the page's context."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from core.templatetags import fragments


def render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    return engines["django"].from_string("{% load i18n fragments %}" + source).render(context, request)


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    fragments.clear()
    yield
    fragments.clear()


def test_a_fragment_is_the_same_html_as_its_content_rendered_each_time():
    plain = render('{% include "_footer.html" %}')
    assert render('{% language_fragment "footer" %}{% include "_footer.html" %}{% endlanguage_fragment %}') == plain
    assert render('{% language_fragment "footer" %}{% include "_footer.html" %}{% endlanguage_fragment %}') == plain


def test_each_language_has_its_own_rendering():
    source = '{% language_fragment "t" %}{% translate "Plan du site" %}{% endlanguage_fragment %}'
    french = render(source)
    with translation.override("en"):
        english = render(source)
    assert french == "Plan du site" and english != french


def test_a_fragment_never_sees_nor_keeps_the_page_context():
    source = '{% language_fragment "secret" %}[{{ name }}{{ user }}{{ csrf_token }}]{% endlanguage_fragment %}'
    assert render(source, name="Claire") == "[]"
    assert render(source, name="Paul") == "[]"


def test_with_debug_on_a_fragment_is_rendered_every_time(settings):
    settings.DEBUG = True
    source = '{% language_fragment "n" %}{{ n }}{% endlanguage_fragment %}'
    assert render(source, n=1) == "1" and render(source, n=2) == "2"

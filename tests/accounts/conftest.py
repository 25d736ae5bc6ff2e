import pytest
from django.utils import translation

from tests.factories import staff_editor_user


@pytest.fixture(autouse=True)
def _in_french():
    """Messages are checked in French: a request in English elsewhere in the run must not leak here
    (Django leaves the last request's language active in the thread)."""
    with translation.override("fr"):
        yield


@pytest.fixture
def signup_data(db):
    """A valid sign-up form, as the browser posts it."""
    return {
        "first_name": "Alice",
        "last_name": "Durand",
        "email": "Alice.Durand@Operateur-Exemple.fr",
        "password1": "un-mot-de-passe-solide-2024",
        "password2": "un-mot-de-passe-solide-2024",
        "organisation_name": "Opérateur Exemple",
        "organisation_kind": "operator",
        "agrees_to_be_named": "on",
    }


@pytest.fixture
def staff_editor(db):
    """An editor who uses the admin: staff, with the organisation and membership permissions."""
    from django.contrib.auth.models import Permission

    user = staff_editor_user(username="redactrice-admin")
    group = user.groups.get(name="editor")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="accounts", content_type__model__in=["organisation", "membership"])
    )
    return user

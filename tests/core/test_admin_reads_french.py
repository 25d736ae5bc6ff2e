"""The admin reads well in French: every model and field of the project has a French name marked for
translation (never the one Django makes up from the class or field name), titles carry their article
(« Modifier l'atelier », « Ajouter un atelier », not « Modification de atelier »), every list and
change page answers a superuser, and objects link to their page on the site."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise

from consultation import services as consultation_services
from core.typography import french_text
from referential import services as referential_services
from tests.accounts.factories import OrganisationFactory, member
from tests.factories import UserFactory, filled_version
from tests.workshops.factories import RidaItemFactory, WorkshopFactory

PROJECT_APPS = {"core", "referential", "accounts", "consultation", "workshops", "assessment", "notifications", "legal"}


def project_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS and not hasattr(model, "instance_type")  # not history tables
    ]


def project_admins():
    """The project's admins (and its user admin); third-party ones keep their own words."""
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in PROJECT_APPS or model._meta.label == "auth.User"
    ]


@pytest.mark.parametrize("model", project_models(), ids=lambda model: model._meta.label)
def test_every_model_and_field_has_a_french_name_marked_for_translation(model):
    options = model._meta
    # Given in Meta, not made up from the class name (« organisation domain »).
    assert "verbose_name" in options.original_attrs and "verbose_name_plural" in options.original_attrs
    assert isinstance(options.verbose_name, Promise) and isinstance(options.verbose_name_plural, Promise)
    for field in options.get_fields():
        if field.auto_created or not (field.concrete or field.many_to_many):
            continue
        # A field without verbose_name is named after its attribute, a plain str (« due on »).
        assert isinstance(field.verbose_name, Promise), f"{options.label}.{field.name}: {field.verbose_name!r}"


@pytest.mark.parametrize("model_admin", [ma for _m, ma in project_admins()], ids=lambda ma: ma.opts.label)
def test_every_admin_names_its_object_with_its_article(model_admin):
    assert model_admin.definite_name and model_admin.indefinite_name
    assert str(model_admin.indefinite_name).split()[0] in ("un", "une")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True, first_name="Rose", last_name="Admin")


@pytest.fixture
def some_of_everything(superuser, editor):
    """At least one row of most models, so change pages are visited too."""
    published = referential_services.publish_version(version=filled_version(number="1.0"), by=editor)
    draft = referential_services.start_draft(referential=published.referential, number="1.1", by=editor)
    referential_services.submit_for_validation(version=draft, by=editor)
    now = timezone.now()
    consultation = consultation_services.open_consultation(
        version=draft, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=14), by=editor
    )
    organisation = OrganisationFactory(status="approved")
    author = member(organisation, username="operateur").user
    consultation_services.submit_comment(
        consultation=consultation, author=author, kind="remark", body="Une remarque.",
        requirement=draft.requirements.first(),
    )
    RidaItemFactory(workshop=WorkshopFactory())
    return draft


def test_every_list_and_change_page_answers_a_superuser(client_for, superuser, some_of_everything):
    browser = client_for(superuser)
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        response = browser.get(reverse(f"{name}_changelist"))
        assert response.status_code == 200, model._meta.label
        row = model_admin.get_queryset(response.wsgi_request).first()
        if row is not None:
            response = browser.get(reverse(f"{name}_change", args=[row.pk]))
            assert response.status_code == 200, model._meta.label


@pytest.mark.django_db
def test_titles_and_buttons_carry_the_article(client_for, superuser):
    workshop = WorkshopFactory()
    browser = client_for(superuser)

    change = browser.get(reverse("admin:workshops_workshop_change", args=[workshop.pk])).content.decode()
    add = browser.get(reverse("admin:workshops_workshop_add")).content.decode()
    changelist = browser.get(reverse("admin:workshops_workshop_changelist")).content.decode()

    assert french_text("Modifier l'atelier") in change and "Modification de atelier" not in change
    assert "Ajouter un atelier" in add
    assert "Ajouter un atelier" in changelist and "<h1>Ateliers</h1>" in changelist
    assert french_text("Sélectionnez l'objet atelier") not in changelist


@pytest.mark.django_db
def test_a_read_only_object_is_consulted_not_changed(client_for, superuser, editor):
    draft = filled_version()
    referential_services.submit_for_validation(version=draft, by=editor)
    review = draft.reviews.get()

    page = client_for(superuser).get(reverse("admin:referential_versionreview_change", args=[review.pk])).content.decode()

    assert french_text("Consulter la validation de version") in page


@pytest.mark.django_db
def test_chapters_and_validations_link_to_their_version_page(client_for, superuser, editor):
    draft = filled_version()
    review = referential_services.submit_for_validation(version=draft, by=editor)
    section = draft.sections.first()
    browser = client_for(superuser)

    section_page = browser.get(reverse("admin:referential_section_change", args=[section.pk]))
    review_page = browser.get(reverse("admin:referential_versionreview_change", args=[review.pk]))

    assert section_page.context["absolute_url"] == draft.get_absolute_url()
    assert review_page.context["absolute_url"] == draft.get_absolute_url() + "#validation"
    assert 'class="viewsitelink"' in section_page.content.decode()

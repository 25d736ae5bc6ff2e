"""The import page in a real browser: an editor uploads a file from another tool, maps its
attributes, previews and applies; every step passes axe-core (no serious or critical violation)."""

import pytest

from tests.e2e.conftest import describe
from tests.e2e.test_consultation_pages import log_in
from tests.factories import ActorFactory, LevelFactory, VersionFactory, editor_user
from tests.referential.reqif_samples import polarion_style

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_editor_maps_previews_and_applies_a_polarion_file(live_server, page, axe, shoot, tmp_path):
    LevelFactory(slug="bloquante", label="Bloquante", rank=1)
    LevelFactory(slug="majeure", label="Majeure", rank=2)
    ActorFactory(slug="operateur", label="Opérateur MSSanté")
    ActorFactory(slug="operateur-proxy", label="Opérateur utilisant un proxy")
    draft = VersionFactory(number="0.9")
    log_in(page, live_server, editor_user(username="importatrice"))
    source = tmp_path / "polarion.reqif"
    source.write_bytes(polarion_style())
    failures = []

    def check(where):
        shoot(page, f"import-{where}")
        violations = axe(page)
        if violations:
            failures.append(f"{where}\n{describe(violations)}")

    page.goto(live_server.url + draft.get_absolute_url())
    page.click("text=Importer des exigences")
    check("upload")
    page.set_input_files("input[type=file]", str(source))
    page.click("form[enctype] button[type=submit]")
    assert "aucun attribut" in page.content()
    check("mapping")
    page.select_option("#id_map-key", "Work Item ID")
    page.select_option("#id_map-chapter", "Section Heading")
    page.click("button[value=preview]")
    assert "2 exigences ajoutées" in page.content()
    check("preview")
    page.click("button[value=apply]")
    assert "importé" in page.content()
    assert draft.requirements.count() == 2
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)

"""A comment names its requirement by key as a reader types it: « mss 1 » or « MSS\u00a01 » is MSS 1
(a version holds one key of each identity), as for an answer's ``carried_by``."""

import pytest

from consultation.queries import consultation_requirement

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["MSS 1", "mss 1", "MSS\u00a01", " MSS  1 "])
def test_a_key_typed_as_a_reader_sees_it_finds_the_requirement(consultation, mss1, typed):
    assert consultation_requirement(consultation, typed) == mss1

"""Fixtures shared by the referential tests."""

import pytest

import core.pdf_parts


@pytest.fixture
def assembled(monkeypatch):
    """Counts the documents assembled from parts: a build that says it used parts must have."""
    calls = []
    original = core.pdf_parts.assemble

    def counting(parts):
        calls.append(len(parts))
        return original(parts)

    monkeypatch.setattr(core.pdf_parts, "assemble", counting)
    return calls

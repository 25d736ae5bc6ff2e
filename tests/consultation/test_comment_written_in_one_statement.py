"""A comment and its history row are written by one statement on PostgreSQL (two in one transaction
elsewhere), and they are the very rows ``stamp(…).save()`` writes, with the same signals
(``core.audit.create_with_history``; issue 15, the comment intake)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from simple_history.signals import pre_create_historical_record

from consultation.models import Comment
from core.audit import _insert_plan, create_with_history, stamp
from referential.models import Requirement
from workshops.models import Workshop

pytestmark = pytest.mark.django_db

# What differs between two rows written a moment apart, whoever writes them.
OWN = {"id", "created_at", "updated_at", "history_id", "history_date"}


def new_comment(consultation, author, organisation, requirement, **fields) -> Comment:
    return Comment(
        consultation=consultation, requirement=requirement, kind=Comment.Kind.PROPOSAL, body="Le **TLS 1.3** suffit-il ?",
        proposed_wording="Un texte.", commented_text=requirement.statement, author=author, organisation=organisation, **fields,
    )


def row_of(model, pk) -> dict:
    return {name: value for name, value in model.objects.filter(pk=pk).values().get().items() if name not in OWN}


def history_of(comment: Comment) -> dict:
    record = Comment.history.filter(id=comment.pk).values().get()
    return {name: value for name, value in record.items() if name not in OWN}


def test_the_rows_are_those_save_writes(members, consultation, contributor_a, mss1):
    organisation = members[0]
    fast = create_with_history(new_comment(consultation, contributor_a, organisation, mss1), reason="Dépôt", by=contributor_a)
    saved = stamp(new_comment(consultation, contributor_a, organisation, mss1), "Dépôt", by=contributor_a)
    saved.save()

    assert fast.pk is not None and fast.pk != saved.pk and not fast._state.adding and fast._state.db == "default"
    assert row_of(Comment, fast.pk) == row_of(Comment, saved.pk)
    assert history_of(fast) == history_of(saved) == {
        **history_of(saved), "history_type": "+", "history_change_reason": "Dépôt", "history_user_id": contributor_a.pk,
    }
    stored = Comment.objects.get(pk=fast.pk)
    assert stored.created_at == fast.created_at and stored.updated_at == fast.updated_at
    record = Comment.history.get(id=fast.pk)
    assert record.created_at == fast.created_at
    assert abs((record.history_date - fast.created_at).total_seconds()) < 5


def test_one_statement_on_postgresql_two_elsewhere(members, consultation, contributor_a, mss1):
    with CaptureQueriesContext(connection) as queries:
        create_with_history(new_comment(consultation, contributor_a, members[0], mss1), reason="Dépôt", by=contributor_a)
    statements = [query["sql"] for query in queries.captured_queries]
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2), statements


def test_signals_are_sent_as_save_sends_them_and_history_is_written_once(members, consultation, contributor_a, mss1):
    seen = []

    def before(sender, instance, **kwargs):
        seen.append(("pre_save", instance.pk, kwargs["raw"]))
        instance.body = "Changé avant l'écriture."

    def after(sender, instance, created, **kwargs):
        seen.append(("post_save", instance.pk, created))

    pre_save.connect(before, sender=Comment, dispatch_uid="test-before")
    post_save.connect(after, sender=Comment, dispatch_uid="test-after")
    try:
        comment = create_with_history(new_comment(consultation, contributor_a, members[0], mss1), reason="Dépôt", by=contributor_a)
    finally:
        pre_save.disconnect(dispatch_uid="test-before", sender=Comment)
        post_save.disconnect(dispatch_uid="test-after", sender=Comment)

    assert seen == [("pre_save", None, False), ("post_save", comment.pk, True)]
    assert Comment.objects.get(pk=comment.pk).body == "Changé avant l'écriture."
    assert Comment.history.get(id=comment.pk).body == "Changé avant l'écriture."  # one row, what was written
    assert not hasattr(comment, "skip_history_when_saving")
    # The instance goes on as any saved one: its next save is an UPDATE with its own history row.
    stamp(comment, "Modification par l'auteur", by=contributor_a).save()
    assert list(Comment.history.filter(id=comment.pk).values_list("history_type", flat=True).order_by("history_id")) == ["+", "~"]


def test_a_refused_row_leaves_no_history(members, consultation, contributor_a, mss1):
    both_targets = new_comment(consultation, contributor_a, members[0], mss1, section=mss1.section)
    history_before = Comment.history.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        create_with_history(both_targets, reason="Dépôt", by=contributor_a)
    assert Comment.history.count() == history_before and not Comment.objects.exists()


def test_save_is_used_when_history_would_be_more_than_a_copy(members, consultation, contributor_a, mss1):
    heard = []

    def listener(sender, history_instance, **kwargs):
        heard.append(history_instance.history_change_reason)

    pre_create_historical_record.connect(listener, sender=Comment.history.model, dispatch_uid="test-listener")
    try:
        comment = create_with_history(new_comment(consultation, contributor_a, members[0], mss1), reason="Dépôt", by=contributor_a)
    finally:
        pre_create_historical_record.disconnect(dispatch_uid="test-listener", sender=Comment.history.model)
    assert heard == ["Dépôt"]
    assert Comment.history.filter(id=comment.pk).count() == 1

    # History of many-to-many links (a requirement's actors, a workshop's referentials) is not a copy.
    assert _insert_plan(Requirement, "default") is None
    assert _insert_plan(Workshop, "default") is None
    assert _insert_plan(Comment, "default") is not None


def test_without_a_user_the_request_user_is_left_to_simple_history(members, consultation, contributor_a, mss1):
    comment = create_with_history(new_comment(consultation, contributor_a, members[0], mss1), reason="Dépôt", by=None)
    record = Comment.history.get(id=comment.pk)
    assert record.history_user_id is None and record.history_change_reason == "Dépôt"


def test_a_row_given_its_key_or_an_unsaved_relation_is_treated_as_save_treats_it(members, consultation, contributor_a, mss1):
    keyed = new_comment(consultation, contributor_a, members[0], mss1, id=424242)
    create_with_history(keyed, reason="Dépôt", by=contributor_a)
    assert Comment.objects.filter(pk=424242).exists() and Comment.history.filter(id=424242, history_type="+").count() == 1

    unsaved = new_comment(consultation, contributor_a, members[0], Requirement(key="MSS 99", version=mss1.version))
    with pytest.raises(ValueError, match="unsaved related object"):
        create_with_history(unsaved, reason="Dépôt", by=contributor_a)
    assert not Comment.objects.exclude(pk=424242).exists()

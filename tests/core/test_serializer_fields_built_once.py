"""Serializers that build their fields once per class (``core.api.FieldsBuiltOnce``) still give each
serializer its own bound fields, nested fields their context, and labels in the reader's language."""

from django.utils import translation
from rest_framework import serializers

from consultation.models import Comment
from core.api import ChoiceLabel, FieldsBuiltOnce


class Inner(serializers.Serializer):
    seen = serializers.SerializerMethodField()

    def get_seen(self, value) -> str:
        return f"{value}:{self.context.get('who')}"


class Sample(FieldsBuiltOnce, serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Comment.Kind.choices)
    kind_label = ChoiceLabel(Comment.Kind.choices, source="kind")
    shout = serializers.SerializerMethodField()
    inner = Inner(source="name", read_only=True)
    tags = serializers.ListField(child=serializers.CharField())

    def get_shout(self, value) -> str:
        return value["name"].upper() + str(self.context.get("who"))


def test_each_serializer_has_its_own_bound_fields():
    first, second = Sample(context={"who": 1}), Sample(context={"who": 2})
    for name in ("name", "shout", "inner", "tags"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
    assert first.fields["tags"].child is not second.fields["tags"].child
    assert first.fields["tags"].child.parent is first.fields["tags"]


def test_values_read_their_own_context_even_nested():
    row = {"name": "abc", "kind": "remark", "tags": ["x"]}
    one = Sample(row, context={"who": "A"}).data
    two = Sample(row, context={"who": "B"}).data
    assert (one["shout"], one["inner"]["seen"]) == ("ABCA", "abc:A")
    assert (two["shout"], two["inner"]["seen"]) == ("ABCB", "abc:B")


def test_validation_is_per_serializer():
    bad = Sample(data={"name": "", "kind": "nope", "tags": []})
    good = Sample(data={"name": "ok", "kind": "question", "tags": ["a"]})
    assert not bad.is_valid() and set(bad.errors) == {"name", "kind"}
    assert good.is_valid(), good.errors


def test_a_choice_label_is_the_display_in_the_active_language():
    comment = Comment(kind=Comment.Kind.PROPOSAL)
    with translation.override("fr"):
        assert Sample({"name": "n", "kind": comment.kind, "tags": []}).data["kind_label"] == comment.get_kind_display()
        assert comment.get_kind_display() == "Proposition de modification"
    with translation.override("en"):
        assert Sample({"name": "n", "kind": comment.kind, "tags": []}).data["kind_label"] == comment.get_kind_display() != "Proposition de modification"
    assert Sample({"name": "n", "kind": "unknown", "tags": []}).data["kind_label"] == "unknown"

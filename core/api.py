"""What the API's serializers share."""

import copy

from rest_framework import serializers


class FieldsBuiltOnce:
    """A serializer mixin: the fields are built once per class, then copied for each serializer (DRF
    builds them again for every instance: declared fields deep-copied, each field constructed anew
    from its arguments, model fields inferred; a third to a half of serialising one object). Only for
    serializers whose fields depend on neither the instance nor the context.

    A plain field is copied shallowly: binding it to its serializer (``bind``) sets attributes on the
    copy only, and DRF reads, never changes, what the copies share (choices, validators, messages).
    A field holding other fields (a nested serializer, a list or many-related field) is deep-copied,
    its children bound to it."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return {name: _copied(field) for name, field in built.items()}


def _copied(field: serializers.Field) -> serializers.Field:
    if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child") or hasattr(field, "child_relation"):
        return copy.deepcopy(field)
    return copy.copy(field)


class ChoiceLabel(serializers.CharField):
    """The label of a choices field's value in the active language, as ``get_FOO_display`` gives it:
    ``kind_label = ChoiceLabel(Comment.Kind.choices, source="kind")``. Read-only. Spares DRF calling
    the model's method, which it inspects on every call (``inspect.signature``)."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value) -> str:
        return str(self.labels.get(value, value))


def absolute_url(context: dict, url: str) -> str:
    """``url`` made absolute with the serializer's request (left as is without one, as in tests of shapes)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url

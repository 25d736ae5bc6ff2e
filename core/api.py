"""What the API's serializers share."""

import copy


class FieldsBuiltOnce:
    """A ``ModelSerializer`` mixin: the fields are built from the model once per class, then copied
    for each serializer (DRF builds them again for every instance, a third of serialising one object).
    Only for serializers whose fields depend on neither the instance nor the context."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built_once = built
        return copy.deepcopy(built)


def absolute_url(context: dict, url: str) -> str:
    """``url`` made absolute with the serializer's request (left as is without one, as in tests of shapes)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url

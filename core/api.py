"""What the API's serializers share."""


def absolute_url(context: dict, url: str) -> str:
    """``url`` made absolute with the serializer's request (left as is without one, as in tests of shapes)."""
    request = context.get("request")
    return request.build_absolute_uri(url) if request is not None else url

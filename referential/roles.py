"""Who may do what. Roles are Django groups, so the admin shows and edits them."""

EDITOR_GROUP = "editor"
CONTRIBUTOR_GROUP = "contributor"


def is_editor(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_editor", None)
    if cached is None:
        cached = user.groups.filter(name=EDITOR_GROUP).exists()
        user._is_editor = cached
    return cached


def is_contributor(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return user.groups.filter(name=CONTRIBUTOR_GROUP).exists()

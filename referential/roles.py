"""Who may do what. Roles are Django groups, so the admin shows and edits them."""

EDITOR_GROUP = "editor"
CONTRIBUTOR_GROUP = "contributor"


def _group_names(user) -> frozenset[str]:
    # One query per user object (that is, per request), whatever the number of role checks.
    cached = getattr(user, "_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._group_names = cached
    return cached


def is_editor(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return user.is_superuser or EDITOR_GROUP in _group_names(user)


def is_contributor(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return CONTRIBUTOR_GROUP in _group_names(user)

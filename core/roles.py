"""Who may do what. Roles are Django groups, so the admin shows and edits them.

Each app says in its ``AppConfig`` which admin rights editors get on its models, as
``editor_actions``: a tuple for all its models (e.g. ``("add", "change", "view")``), or a dict from
model name to tuple for some of them. ``ensure_role_groups`` grants exactly those, and only ``view``
on the history of those models. An app without the attribute grants editors nothing.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

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


def ensure_role_groups() -> dict[str, Group]:
    """Create the ``editor`` and ``contributor`` groups and give editors the admin permissions every
    app declares (``AppConfig.editor_actions``). Returns ``{group name: Group}``.

    Idempotent: permissions are only ever added, so rights granted by hand are kept.
    """
    editor, _created = Group.objects.get_or_create(name=EDITOR_GROUP)
    contributor, _created = Group.objects.get_or_create(name=CONTRIBUTOR_GROUP)

    wanted: list[tuple[type, str]] = []
    for app_config in apps.get_app_configs():
        actions = getattr(app_config, "editor_actions", None)
        if not actions:
            continue
        create_permissions(app_config, verbosity=0)
        for model in app_config.get_models():
            is_history = hasattr(model, "instance_type")  # simple-history's historical models
            name = model.instance_type._meta.model_name if is_history else model._meta.model_name
            granted = actions.get(name, ()) if isinstance(actions, dict) else actions
            for action in ("view",) if is_history and granted else granted:
                wanted.append((model, f"{action}_{model._meta.model_name}"))
    content_types = ContentType.objects.get_for_models(*{model for model, _codename in wanted})
    by_type: dict[int, set[str]] = {}
    for model, codename in wanted:
        by_type.setdefault(content_types[model].pk, set()).add(codename)
    permissions = [
        perm
        for perm in Permission.objects.filter(content_type_id__in=by_type)
        if perm.codename in by_type[perm.content_type_id]
    ]
    editor.permissions.add(*permissions)
    return {EDITOR_GROUP: editor, CONTRIBUTOR_GROUP: contributor}

from .roles import is_editor


def roles(request):
    return {"user_is_editor": is_editor(getattr(request, "user", None))}

from django import template
from django.conf import settings
from django.shortcuts import resolve_url
from django.utils.http import urlencode

from referential import page_cache
from referential.templatetags.referential_tags import markdown_filter

from core.roles import is_editor

from ..forms import CommentForm
from ..queries import commenting_state, consultation_phase, wording_applied
from ..queries import requirement_consultation_trail as trail

register = template.Library()

# The project's one Markdown renderer, under the same name as on the referential side.
register.filter("markdown", markdown_filter)

# Consultations on the referential pages. The referential templates load these tags; the referential
# app never imports consultation code. What a version's page needs (its consultation, whether the
# reader may comment, their comments so far) is read once per page and kept on the version object,
# so a « Commenter » link under each of 300 requirements costs no query.


def _commenting_state(context, version):
    state = getattr(version, "_commenting_state", None)
    if state is None:
        request = context.get("request")
        state = commenting_state(getattr(request, "user", None), version)
        version._commenting_state = state
    return state


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("consultation/_consultation_banner.html", takes_context=True)
def consultation_banner(context, version):
    """The version's consultation: phase, window in Paris time, time left, and how to take part."""
    state = _commenting_state(context, version)
    consultation = state.consultation
    user = _user(context)
    phase = consultation_phase(consultation) if consultation else None
    if phase not in (None, "closed"):
        # Time left, how to take part: this page is not kept whole for later readers.
        page_cache.not_cacheable(context.get("request"))
    return {
        "state": state,
        "consultation": consultation,
        "phase": phase,
        "user": user,
        "login_url": _login_url(context),
        "user_is_editor": context.get("user_is_editor", False),
    }


def _login_url(context) -> str:
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    return f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': path})}"


@register.inclusion_tag("consultation/_comment_link.html", takes_context=True)
def comment_link(context, version, requirement=None, section=None):
    """« Commenter » under a requirement or a chapter of a version in consultation, for contributors
    (and anonymous readers, who are asked to log in); with the count of their own comments on it."""
    state = _commenting_state(context, version)
    user = _user(context)
    anonymous = user is None or not user.is_authenticated
    show = state.is_open and (state.may_comment or anonymous)
    if requirement is not None:
        own = state.own_by_requirement.get(requirement.pk, 0)
        query = f"?exigence={requirement.pk}"
        label = requirement.key
    else:
        own = state.own_by_section.get(section.pk, 0) if section is not None else 0
        query = f"?chapitre={section.pk}" if section is not None else ""
        label = section.title if section is not None else ""
    return {
        "show": show,
        "consultation": state.consultation,
        "query": query,
        "label": label,
        "is_section": requirement is None,
        "own": own,
    }


@register.inclusion_tag("consultation/_requirement_comment_form.html", takes_context=True)
def requirement_comment_form(context, requirement, version):
    """The comment form on a requirement's page, while its version's consultation is open."""
    state = _commenting_state(context, version)
    request = context.get("request")
    form = None
    if state.may_comment:
        form = CommentForm(
            initial={"requirement": requirement.pk, "proposed_wording": requirement.statement},
            statement=requirement.statement,
            auto_id="exigence-%s",
        )
    return {
        "state": state,
        "consultation": state.consultation,
        "form": form,
        "requirement": requirement,
        "next": f"{request.path}#concertations-exigence" if request is not None else "",
        "own": state.own_by_requirement.get(requirement.pk, 0),
        "csrf_token": context.get("csrf_token"),
        "user": _user(context),
        "login_url": _login_url(context),
    }


@register.inclusion_tag("consultation/_requirement_trail.html", takes_context=True)
def requirement_consultation_trail(context, requirement):
    """The requirement's consultations across its versions: the comments the reader may see, their
    answers and decisions, and the requirement of the next version that carries each change."""
    user = _user(context)
    steps = trail(user, requirement)
    # On a draft, editors may carry the proposed wordings made on earlier versions into this text.
    apply_to = requirement if is_editor(user) and not requirement.version.is_text_frozen else None
    for step in steps:
        step.phase = consultation_phase(step.consultation)
        step.is_open = step.phase == "open"
        for comment in step.comments:
            comment.is_own = user is not None and comment.author_id == user.pk
            comment.apply_to = (
                apply_to
                if apply_to is not None and comment.requirement_id != requirement.pk and comment.proposed_wording
                and comment.is_visible
                else None
            )
            comment.wording_applied = wording_applied(comment, comment.apply_to)
    request = context.get("request")
    return {
        "request": request,
        "steps": steps,
        "requirement": requirement,
        "user_is_editor": context.get("user_is_editor", False),
        "csrf_token": context.get("csrf_token"),
        "next": f"{request.path}#concertations-exigence" if request is not None else "",
    }

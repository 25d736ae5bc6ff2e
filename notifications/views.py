"""Pages of notifications: follow a referential, my notifications, links from mails, webhooks.

Links in mails only show a page with a button: mail scanners that open every link must not
confirm or unsubscribe anybody. The one-click unsubscribe POST of mail clients (RFC 8058) carries
no CSRF token, so that view is exempt: the signed token in its URL is its proof.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts import ratelimit, throttle
from core.errors import DomainError
from core.web import add_errors_to_form as apply_service_errors
from core.web import breadcrumb
from referential.models import Referential

from . import queries, services
from .forms import FollowByEmailForm, PreferenceForm, TopicsForm, WebhookForm
from .models import ALL_TOPICS


def _initial_language() -> str:
    return translation.get_language() or "fr"


@require_http_methods(["GET", "POST"])
def follow(request, slug):
    referential = get_object_or_404(Referential, slug=slug)
    user = request.user
    subscription = queries.subscription_of(user, referential) if user.is_authenticated else None
    form_class = TopicsForm if user.is_authenticated else FollowByEmailForm
    initial = {"topics": subscription.topics if subscription else ALL_TOPICS, "language": subscription.language if subscription else _initial_language()}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if user.is_authenticated:
                services.subscribe_user(referential=referential, by=user, topics=data["topics"], language=data["language"])
                messages.success(request, _("Vos choix sont enregistrés : vous recevrez les courriels correspondants."))
            else:
                refusal = ratelimit.consume("follow", email=data["email"], ip=throttle.client_ip(request))
                if refusal is not None:
                    form.add_error(None, refusal.message())
                    response = _follow_page(request, referential, form, subscription, status=429)
                    response["Retry-After"] = str(refusal.retry_after)
                    return response
                services.subscribe_email(referential=referential, email=data["email"], topics=data["topics"], language=data["language"])
                # The same words whether the address was known or not: the page reveals no subscriber.
                messages.success(
                    request,
                    _("Un courriel vient d'être envoyé à %(email)s : ouvrez son lien pour confirmer votre abonnement.") % {"email": data["email"]},
                )
            return redirect(referential.get_absolute_url())
        except ValidationError as error:
            apply_service_errors(form, error)
    return _follow_page(request, referential, form, subscription, status=400 if form.errors else 200)


def _follow_page(request, referential, form, subscription, *, status):
    return render(
        request,
        "notifications/follow.html",
        {
            "referential": referential,
            "form": form,
            "subscription": subscription,
            "breadcrumb_data": breadcrumb(_("Suivre"), (referential.get_absolute_url(), referential.code)),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_notifications(request):
    user = request.user
    preference = queries.preference_of(user)
    preference_form = PreferenceForm(initial={"language": preference.language if preference else _initial_language(), "muted": preference.muted if preference else []})
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "preferences":
                preference_form = PreferenceForm(request.POST)
                if preference_form.is_valid():
                    services.set_preferences(by=user, **preference_form.cleaned_data)
                    messages.success(request, _("Vos préférences sont enregistrées."))
                    return redirect("notifications:my_notifications")
                status = 400
            elif action in ("update", "delete"):
                subscription = get_object_or_404(queries.subscriptions_of(user), pk=request.POST.get("subscription"))
                if action == "delete":
                    services.delete_subscription(subscription=subscription, by=user)
                    messages.success(request, _("Vous ne suivez plus %(referential)s.") % {"referential": subscription.referential.code})
                    return redirect("notifications:my_notifications")
                form = TopicsForm(request.POST, prefix=f"s{subscription.pk}")
                if form.is_valid():
                    services.update_subscription(subscription=subscription, by=user, **form.cleaned_data)
                    messages.success(request, _("Vos choix pour %(referential)s sont enregistrés.") % {"referential": subscription.referential.code})
                    return redirect("notifications:my_notifications")
                status = 400
            else:
                status = 400
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            status = 400
    subscriptions = [
        (subscription, TopicsForm(initial={"topics": subscription.topics, "language": subscription.language}, prefix=f"s{subscription.pk}"))
        for subscription in queries.subscriptions_of(user)
    ]
    return render(
        request,
        "notifications/my_notifications.html",
        {"subscriptions": subscriptions, "preference_form": preference_form, "breadcrumb_data": breadcrumb(_("Mes notifications"))},
        status=status,
    )


def _link_invalid(request):
    return render(
        request,
        "notifications/link_invalid.html",
        {"breadcrumb_data": breadcrumb(_("Lien invalide"))},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    try:
        subscription = services.subscription_for_confirmation(token)
        if request.method == "POST":
            subscription = services.confirm_subscription(token=token)
            messages.success(request, _("Votre abonnement est confirmé."))
            return redirect("notifications:manage", token=services.mail.subscription_token(subscription.pk))
    except services.LinkInvalid:
        return _link_invalid(request)
    return render(request, "notifications/confirm.html", {"subscription": subscription, "breadcrumb_data": breadcrumb(_("Confirmer mon abonnement"))})


@require_http_methods(["GET", "POST"])
def manage(request, token):
    try:
        subscription = services.subscription_for_token(token)
    except services.LinkInvalid:
        return _link_invalid(request)
    if subscription is None:
        return render(request, "notifications/unsubscribed.html", {"label": "", "breadcrumb_data": breadcrumb(_("Désabonnement"))})
    if subscription.user_id:
        # A subscription of an account is managed from the account.
        return redirect("notifications:my_notifications")
    form = TopicsForm(request.POST if request.method == "POST" else None, initial={"topics": subscription.topics, "language": subscription.language})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_subscription(subscription=subscription, **form.cleaned_data)
            messages.success(request, _("Vos choix sont enregistrés."))
            return redirect("notifications:manage", token=token)
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(
        request,
        "notifications/manage.html",
        {"subscription": subscription, "form": form, "token": token, "breadcrumb_data": breadcrumb(_("Mon abonnement"))},
        status=400 if form.errors else 200,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    if request.method == "GET":
        try:
            services.mail.read_unsubscribe_token(token)
        except services.signing.BadSignature:
            return _link_invalid(request)
        return render(request, "notifications/unsubscribe.html", {"token": token, "breadcrumb_data": breadcrumb(_("Désabonnement"))})
    try:
        label = services.unsubscribe(token=token)
    except services.LinkInvalid:
        return _link_invalid(request)
    if request.POST.get("List-Unsubscribe") == "One-Click":
        # A mail client unsubscribing on its user's behalf reads no page.
        return HttpResponse(status=204)
    return render(request, "notifications/unsubscribed.html", {"label": label, "breadcrumb_data": breadcrumb(_("Désabonnement"))})


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request):
    membership = queries.approved_membership(request.user)
    if membership is None:
        raise PermissionDenied(_("Seuls les membres d'une organisation validée peuvent déclarer un webhook."))
    form = WebhookForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_webhook(by=request.user, **form.cleaned_data)
            messages.success(request, _("Le webhook est enregistré : il recevra les prochains événements."))
            return redirect("notifications:webhooks")
        except ValidationError as error:
            apply_service_errors(form, error)
    return render(
        request,
        "notifications/webhooks.html",
        {
            "organisation": membership.organisation,
            "webhooks": queries.webhooks_with_log(membership.organisation),
            "form": form,
            "breadcrumb_data": breadcrumb(_("Webhooks")),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def webhook_delete(request, pk):
    webhook = get_object_or_404(queries.webhooks_of(request.user), pk=pk)
    try:
        services.remove_webhook(webhook=webhook, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("notifications:webhooks")
    messages.success(request, _("Le webhook est supprimé."))
    return redirect("notifications:webhooks")

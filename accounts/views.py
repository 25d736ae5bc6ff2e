"""Account pages: sign-up, e-mail confirmation, login (throttled), logout, password reset, my account.

Thin: parse the request, call a service, render. The throttle itself sits in the authentication
backend (every door), and these views only turn its verdict into a 429 with a clear message.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError, PermissionRefused, TransitionNotAllowed
from core.web import add_error_messages, add_errors_to_form, breadcrumb

from . import ratelimit, services, throttle
from .forms import LoginForm, PasswordResetByMailForm, SignupForm
from .mfa import has_second_factor
from .models import Membership, OrganisationRefusal

# At most one fresh confirmation link a minute per session, so the button cannot flood a mailbox.
RESEND_COOLDOWN_SECONDS = 60


def _status_for(error: DomainError) -> int:
    if isinstance(error, PermissionRefused):
        return 403
    if isinstance(error, TransitionNotAllowed):
        return 409
    return 400


def _too_many(request, template: str, context: dict, refusal: ratelimit.RateLimited):
    """The page again, saying when to retry, as a 429 with Retry-After."""
    response = render(request, template, {**context, "rate_limited": refusal.message()}, status=429)
    response["Retry-After"] = str(refusal.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def signup(request):
    """Whether the address already has an account or not, a valid form leads to the same page (the
    owner of an existing account is told by mail): sign-up reveals nobody's account."""
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignupForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "breadcrumb_data": breadcrumb(_("Créer un compte"))}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        refusal = ratelimit.consume("signup", email=data["email"], ip=throttle.client_ip(request))
        if refusal is not None:
            return _too_many(request, "accounts/signup.html", context, refusal)
        try:
            services.register_contributor(
                email=data["email"],
                password=data["password"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation_name=data["organisation_name"],
                organisation_kind=data["organisation_kind"],
                agrees_to_be_named=data["agrees_to_be_named"],
            )
        except ValidationError as error:
            add_errors_to_form(form, error)
        else:
            return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET"])
def signup_done(request):
    return render(request, "accounts/signup_done.html", {"breadcrumb_data": breadcrumb(_("Créer un compte"))})


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """The link of the e-mail shows a button; the POST confirms, so that a mail scanner following
    links confirms nothing."""
    try:
        membership = services.membership_for_token(token) if request.method == "GET" else services.confirm_email(token=token)
    except DomainError as error:
        return render(
            request,
            "accounts/confirm_email.html",
            {"error": error.message, "breadcrumb_data": breadcrumb(_("Confirmation de l'adresse électronique"))},
            status=_status_for(error),
        )
    if request.method == "POST":
        messages.success(request, _("Votre adresse électronique %(email)s est confirmée.") % {"email": membership.user.email})
        if request.user.is_authenticated and request.user.pk == membership.user_id:
            return redirect("accounts:account")
        return redirect(f"{reverse('accounts:login')}?next={reverse('accounts:account')}")
    return render(
        request,
        "accounts/confirm_email.html",
        {"membership": membership, "breadcrumb_data": breadcrumb(_("Confirmation de l'adresse électronique"))},
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        # Checked before the password, so that the right password does not slip through either.
        identifier = request.POST.get("username", "")
        refusal = throttle.refusal_for_login(request, identifier)
        if refusal is None:
            return super().post(request, *args, **kwargs)
        # An unbound form: validating it would check the password.
        form = self.form_class(request, initial={"username": identifier})
        response = self.render_to_response(self.get_context_data(form=form, throttled=refusal.message()), status=429)
        response["Retry-After"] = str(refusal.retry_after_seconds())
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(breadcrumb_data=breadcrumb(_("Connexion")), **kwargs)


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("referential:home")


@login_required
@require_http_methods(["GET"])
def account(request):
    membership = Membership.objects.select_related("organisation__merged_into").filter(user=request.user).first()
    refusal = None
    if membership is not None and membership.organisation.status == membership.organisation.Status.REFUSED:
        refusal = OrganisationRefusal.objects.filter(organisation=membership.organisation).first()
    return render(
        request,
        "accounts/account.html",
        {
            "membership": membership,
            "organisation": membership.organisation if membership else None,
            "refusal": refusal,
            "groups": list(request.user.groups.values_list("name", flat=True)),
            "has_second_factor": has_second_factor(request.user),
            "breadcrumb_data": breadcrumb(_("Mon compte")),
        },
    )


@login_required
@require_POST
def resend_confirmation(request):
    last_sent = request.session.get("accounts.confirmation_sent_at")
    now = timezone.now().timestamp()
    if last_sent is not None and now - last_sent < RESEND_COOLDOWN_SECONDS:
        messages.warning(request, _("Un lien vient déjà de vous être envoyé. Patientez une minute avant d'en demander un autre."))
        return redirect("accounts:account")
    refusal = ratelimit.consume("resend_confirmation", email=request.user.email, ip=throttle.client_ip(request))
    if refusal is not None:
        messages.error(request, refusal.message())
        return redirect("accounts:account")
    try:
        services.send_email_confirmation(user=request.user)
    except DomainError as error:
        add_error_messages(request, error)
        return redirect("accounts:account")
    request.session["accounts.confirmation_sent_at"] = now
    messages.success(request, _("Un nouveau lien de confirmation a été envoyé à %(email)s.") % {"email": request.user.email})
    return redirect("accounts:account")


# Password reset: Django's views, French templates, the e-mail through the project's mail helper.


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetByMailForm
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_context = {"breadcrumb_data": breadcrumb(gettext_lazy("Mot de passe oublié"))}

    def form_valid(self, form):
        refusal = ratelimit.consume("password_reset", email=form.cleaned_data["email"], ip=throttle.client_ip(self.request))
        if refusal is not None:
            return _too_many(self.request, self.template_name, self.get_context_data(form=form), refusal)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"
    extra_context = {"breadcrumb_data": breadcrumb(gettext_lazy("Mot de passe oublié"))}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"breadcrumb_data": breadcrumb(gettext_lazy("Nouveau mot de passe"))}

    def form_valid(self, form):
        response = super().form_valid(form)
        # The owner of the mailbox proved who they are: a lock-out on their account ends.
        throttle.clear_account(key=throttle.account_key("", form.user))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
    extra_context = {"breadcrumb_data": breadcrumb(gettext_lazy("Nouveau mot de passe"))}

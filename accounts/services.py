"""Every state change of accounts and organisations: one function, one transaction, domain checks first.

A person signs up (allauth's sign-up, whose form calls ``join_organisation``) and confirms their
address (allauth, whose ``email_confirmed`` signal calls ``record_email_confirmed``);
editors then approve, refuse or merge the organisation they named, and approve or refuse the
membership of whoever joined an organisation already registered. Only then may they write in its
name (``Membership.refusal``). Each write sets the history's
``_change_reason`` and ``_history_user``; e-mails leave once the transaction is committed.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token
from simple_history.utils import bulk_update_with_history

from core.audit import stamp
from core.errors import PermissionRefused, TransitionNotAllowed
from core.roles import CONTRIBUTOR_GROUP, is_editor

from . import signals
from .authentication import token_expired
from .models import Membership, Organisation, OrganisationDomain, OrganisationRefusal, is_shared_mail_domain

if TYPE_CHECKING:
    from django.contrib.auth.models import User

User = get_user_model()
Status = Organisation.Status

# The only moves an organisation's status may make. A merged organisation is an alias of another
# one: it never changes again, editors act on the organisation it was merged into.
ORGANISATION_TRANSITIONS = {
    Status.PENDING: {Status.APPROVED, Status.REFUSED, Status.MERGED},
    Status.APPROVED: {Status.REFUSED, Status.MERGED},
    Status.REFUSED: {Status.APPROVED, Status.MERGED},
    Status.MERGED: set(),
}
REFUSAL_REASON_MAX_LENGTH = 2000



def _require_editor(user) -> None:
    if not is_editor(user):
        raise PermissionRefused(_("Seuls les rédacteurs de l'ANS peuvent valider, refuser ou fusionner une organisation."))


def _after_commit(task, *args) -> None:
    transaction.on_commit(lambda: task.enqueue(*args))


# Sign-up and e-mail confirmation ---------------------------------------------------------------


# Letters of other scripts drawn like Latin ones (Unicode's confusables, the ones a name typed to
# pass for another would use): « Нôpital » with a Cyrillic En is « Hôpital » to a reader.
_LOOK_ALIKES = str.maketrans(
    # Cyrillic
    "АВЕЅІЈКМНОРСТХУаеіјорсхуѕԁһӏԛԝ"
    # Greek
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧαιορυχκνϲ",
    "ABESIJKMHOPCTXYaeijopcxysdhlqw"
    "ABEZHIKMNOPTYXaiopuxkvc",
)


def clean_organisation_name(name: str) -> str:
    """A name as stored and shown: composed accents (NFC), without invisible characters (zero-width
    spaces, direction marks, soft hyphens: Unicode's "format" category) and with single spaces."""
    composed = unicodedata.normalize("NFC", name or "")
    visible = "".join(char for char in composed if unicodedata.category(char) != "Cf")
    return " ".join(visible.split())


def organisation_name_key(name: str) -> str:
    """What two spellings of one organisation share, so that a newcomer typing one *asks to join*
    the organisation registered under the other instead of registering a look-alike: case, accents,
    spaces (« HôpitalNord »), punctuation and symbols (« Hôpital-Nord. »), invisible characters, compatibility forms
    (full-width letters) and Cyrillic or Greek letters drawn like Latin ones are set aside."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    letters = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M") or category == "Cf":
            continue  # accents, zero-width and direction marks
        letters.append(char if category[0] in "LN" else " ")  # punctuation, symbols, spaces: one separator
    key = "".join(letters).translate(_LOOK_ALIKES)
    key = unicodedata.normalize("NFKD", key.casefold())
    # Without spaces at all: « HôpitalNord » (or « Hôpital\u200bNord ») passes for « Hôpital Nord ».
    return "".join(key.split())


def _final(organisation: Organisation) -> Organisation:
    """Follow merges to the organisation that carries them."""
    seen = set()
    while organisation.status == Status.MERGED and organisation.merged_into_id and organisation.pk not in seen:
        seen.add(organisation.pk)
        organisation = organisation.merged_into
    return organisation


def _existing_organisation(name: str) -> Organisation | None:
    """The organisation a newcomer joins when they type its name (case and accents aside).

    Refused organisations are not joined: a newcomer naming one starts a new request that editors
    examine afresh. Merged ones lead to the organisation they were merged into.
    """
    key = organisation_name_key(name)
    if not key:
        return None  # a name of punctuation only is nobody's look-alike
    # Compared in Python: accent-insensitive matching is not portable across SQLite and PostgreSQL,
    # and organisations number in the hundreds.
    candidates = [
        organisation
        for organisation in Organisation.objects.exclude(status=Status.REFUSED).only("pk", "name", "status").order_by("pk")
        if organisation_name_key(organisation.name) == key
    ]
    if not candidates:
        return None
    rank = {Status.APPROVED: 0, Status.PENDING: 1, Status.MERGED: 2}
    chosen = min(candidates, key=lambda organisation: rank[organisation.status])
    # Locked so that a merge running now finishes first; we then follow it to its target.
    chosen = Organisation.objects.select_for_update().get(pk=chosen.pk)
    return _final(chosen)


def _validated_domain_of(organisation: Organisation, email: str) -> bool:
    """Whether ``email`` is in a domain ``organisation`` declared and an editor validated."""
    domain = email.rpartition("@")[2].lower()
    return bool(domain) and organisation.domains.filter(domain__iexact=domain, validated_at__isnull=False).exists()


@transaction.atomic
def register_contributor(
    *,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    organisation_name: str,
    organisation_kind: str,
    agrees_to_be_named: bool = False,
) -> Membership | None:
    """Create a contributor account (username = e-mail) outside the sign-up page (demo data, tests,
    scripts) and send allauth's confirmation link. Refuses a weak password or a missing field,
    naming it. The sign-up page goes through allauth, whose form calls ``join_organisation``.

    An address that already has an account gets the same answer as a new one: nothing is created,
    the account's owner is told by mail, and None is returned.
    """
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress

    email = BaseUserManager.normalize_email((email or "").strip())
    first_name, last_name = " ".join((first_name or "").split()), " ".join((last_name or "").split())
    errors = {}
    for field, value in (("first_name", first_name), ("last_name", last_name), ("email", email)):
        if not value:
            errors[field] = [_("Ce champ est obligatoire.")]
    errors.update(_organisation_errors(organisation_name, organisation_kind))
    user = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password or "", user)
    except ValidationError as error:
        errors["password"] = error.messages
    if errors:
        raise ValidationError(errors)

    existing = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).exclude(email="").order_by("pk").first()
    if existing is not None or User.objects.filter(username__iexact=email).exists():
        # The owner is told at the address on record (no mail when the account has none).
        if existing is not None:
            transaction.on_commit(lambda: get_adapter().send_account_already_exists_mail(existing.email))
        return None
    user.set_password(password)
    try:
        # Two sign-ups racing with one address: the unique username stops the second.
        with transaction.atomic():
            user.save()
    except IntegrityError:
        transaction.on_commit(lambda: get_adapter().send_account_already_exists_mail(email))
        return None
    address = EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    membership = join_organisation(
        user=user, organisation_name=organisation_name, organisation_kind=organisation_kind, agrees_to_be_named=agrees_to_be_named
    )
    transaction.on_commit(lambda: address.send_confirmation(signup=True))
    return membership


def _organisation_errors(organisation_name: str, organisation_kind: str) -> dict:
    errors = {}
    if not clean_organisation_name(organisation_name):
        errors["organisation_name"] = [_("Ce champ est obligatoire.")]
    if organisation_kind not in Organisation.Kind.values:
        errors["organisation_kind"] = [_("Choisissez le type de votre organisation.")]
    return errors


@transaction.atomic
def join_organisation(
    *, user: User, organisation_name: str, organisation_kind: str, agrees_to_be_named: bool = False
) -> Membership:
    """Make a newly signed-up ``user`` a contributor of the organisation they named (called by the
    sign-up form once allauth has created the account). Refuses a blank name or an unknown kind
    (ValidationError naming the field).

    Naming a new organisation registers it (pending an editor's approval) with its first member
    approved alongside it. Naming an organisation already registered (or a look-alike of its name,
    ``organisation_name_key``) makes a *pending* membership that an editor approves — or that the
    confirmation of the address approves, when it is in a domain the organisation declared and an
    editor validated (``record_email_confirmed``): the approval rests on an address the member
    proved, not on one they typed (they could change it before confirming). Either way the member
    may write in its name only once their address is confirmed (``Membership.refusal``).
    """
    errors = _organisation_errors(organisation_name, organisation_kind)
    if errors:
        raise ValidationError(errors)
    organisation_name = clean_organisation_name(organisation_name)
    user.groups.add(Group.objects.get_or_create(name=CONTRIBUTOR_GROUP)[0])
    organisation = _existing_organisation(organisation_name)
    if organisation is None:
        organisation = Organisation(name=organisation_name, kind=organisation_kind, agrees_to_be_named=agrees_to_be_named)
        stamp(organisation, gettext_noop("Inscription de l'organisation"), by=user).save()
        status = Membership.Status.APPROVED  # its founder: the organisation's own approval is the gate
    else:
        status = Membership.Status.PENDING
    membership = Membership(user=user, organisation=organisation, status=status)
    stamp(membership, gettext_noop("Inscription"), by=user).save()
    if organisation.status == Status.PENDING:
        signals.organisation_awaits_approval.send(sender=Organisation, organisation=organisation, membership=membership)
    if membership.status == Membership.Status.PENDING and not _validated_domain_of(organisation, user.email):
        # (An address in a validated domain is approved by its confirmation: editors have nothing to do.)
        signals.membership_awaits_approval.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def record_email_confirmed(*, user: User, email: str) -> Membership | None:
    """Date the confirmation of ``user``'s address on their membership (``email_confirmed_at``, the
    date our rules read), when ``email`` is the address of the account; called when allauth confirms
    an address. A pending membership is approved when this confirmed address is in a domain its
    organisation declared and an editor validated. Confirming twice changes nothing; an account
    without membership is left alone."""
    if not email or (user.email or "").lower() != email.lower():
        return None
    membership = Membership.objects.select_for_update().select_related("organisation").filter(user=user).first()
    if membership is not None and membership.email_confirmed_at is None:
        membership.email_confirmed_at = timezone.now()
        reason = gettext_noop("Adresse électronique confirmée")
        if membership.status == Membership.Status.PENDING and _validated_domain_of(membership.organisation, email):
            membership.status = Membership.Status.APPROVED
            reason = gettext_noop("Adresse électronique confirmée dans un domaine validé de l'organisation")
        stamp(membership, reason, by=user).save()
    return membership


# API tokens --------------------------------------------------------------------------------------


@transaction.atomic
def issue_api_token(*, user: User) -> Token:
    """The user's API token: the current one while it is valid, a new one once it has expired
    (``API_TOKEN_MAX_AGE_DAYS``). A password change revokes it (``receivers``).

    Refuses (PermissionRefused) a contributor whose address is not confirmed: the site's sign-in
    asks them to confirm it first, and the API is no side door around that (whoever signed up with
    an address they cannot read would otherwise be signed in)."""
    membership = Membership.objects.filter(user=user).only("email_confirmed_at").first()
    if membership is not None and membership.email_confirmed_at is None:
        raise PermissionRefused(_("Confirmez d'abord votre adresse électronique."))
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


# Editors' decisions on memberships ---------------------------------------------------------------

MEMBERSHIP_TRANSITIONS = {
    Membership.Status.PENDING: {Membership.Status.APPROVED, Membership.Status.REFUSED},
    Membership.Status.APPROVED: {Membership.Status.REFUSED},
    Membership.Status.REFUSED: {Membership.Status.APPROVED},
}


def _decide_membership(*, membership: Membership, by: User, to: str, reason: str) -> Membership:
    if not is_editor(by):
        raise PermissionRefused(_("Seuls les rédacteurs de l'ANS peuvent valider ou refuser un rattachement."))
    membership = Membership.objects.select_for_update().select_related("user", "organisation").get(pk=membership.pk)
    if to not in MEMBERSHIP_TRANSITIONS[membership.status]:
        raise TransitionNotAllowed(
            _("Ce rattachement est déjà « %(status)s ».") % {"status": membership.get_status_display()}
        )
    membership.status = to
    stamp(membership, reason, by=by).save()
    return membership


@transaction.atomic
def approve_membership(*, membership: Membership, by: User) -> Membership:
    """An editor vouches that this person works for the organisation: they may then write in its name
    (once their address is confirmed and the organisation approved). Refuses non-editors and a
    membership already approved."""
    return _decide_membership(membership=membership, by=by, to=Membership.Status.APPROVED, reason=gettext_noop("Rattachement validé par l'ANS"))


@transaction.atomic
def refuse_membership(*, membership: Membership, by: User) -> Membership:
    """An editor refuses that this person speaks for the organisation; their account stays, without
    the right to write in its name. Refuses non-editors and a membership already refused."""
    return _decide_membership(membership=membership, by=by, to=Membership.Status.REFUSED, reason=gettext_noop("Rattachement refusé par l'ANS"))


@transaction.atomic
def validate_organisation_domain(*, domain: OrganisationDomain, by: User) -> OrganisationDomain:
    """An editor confirms that addresses in ``domain`` belong to its organisation: newcomers signing up
    with one join it without waiting. Validating twice changes nothing; refuses non-editors, and a
    domain whose addresses anyone can get (``models.SHARED_MAIL_DOMAINS``: gmail.com, orange.fr,
    medecin.mssante.fr…) with a ValidationError on ``domain``."""
    if not is_editor(by):
        raise PermissionRefused(_("Seuls les rédacteurs de l'ANS peuvent valider un domaine."))
    domain = OrganisationDomain.objects.select_for_update().get(pk=domain.pk)
    if is_shared_mail_domain(domain.domain):
        raise ValidationError(
            {"domain": _("Ce domaine est ouvert à tous (messagerie grand public ou partagée) : il ne désigne pas une organisation.")}
        )
    if domain.validated_at is None:
        domain.validated_by, domain.validated_at = by, timezone.now()
        domain.save(update_fields=["validated_by", "validated_at"])
    return domain


# Editors' decisions on organisations -------------------------------------------------------------


def _locked(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update(of=("self",)).select_related("merged_into").get(pk=organisation.pk)


def _require_transition(organisation: Organisation, status: str) -> None:
    if status in ORGANISATION_TRANSITIONS[organisation.status]:
        return
    if organisation.status == Status.MERGED:
        raise TransitionNotAllowed(
            _("« %(name)s » a été fusionnée dans « %(target)s » : agissez plutôt sur cette dernière.")
            % {"name": organisation.name, "target": organisation.merged_into.name}
        )
    raise TransitionNotAllowed(
        _("« %(name)s » a déjà le statut « %(status)s ».") % {"name": organisation.name, "status": organisation.get_status_display()}
    )


@transaction.atomic
def approve_organisation(*, organisation: Organisation, by: User) -> Organisation:
    """Let the organisation's members comment; those with a confirmed address are told by e-mail.
    Refuses non-editors, an organisation already approved and a merged one."""
    _require_editor(by)
    organisation = _locked(organisation)
    _require_transition(organisation, Status.APPROVED)
    organisation.status = Status.APPROVED
    stamp(organisation, gettext_noop("Validée par l'ANS"), by=by).save()
    from .tasks import notify_organisation_approved

    _after_commit(notify_organisation_approved, organisation.pk)
    return organisation


@transaction.atomic
def refuse_organisation(*, organisation: Organisation, by: User, reason: str) -> Organisation:
    """Refuse an organisation, with a reason its members are told; they can no longer comment.
    Refuses non-editors, an empty reason, an organisation already refused and a merged one."""
    _require_editor(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus : il est communiqué aux membres de l'organisation.")})
    if len(reason) > REFUSAL_REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("%(count)s caractères au plus (ce motif en a %(length)s).") % {"count": REFUSAL_REASON_MAX_LENGTH, "length": len(reason)}}
        )
    organisation = _locked(organisation)
    _require_transition(organisation, Status.REFUSED)
    organisation.status = Status.REFUSED
    stamp(organisation, gettext_noop("Refusée par l'ANS"), by=by).save()
    refusal = OrganisationRefusal.objects.create(organisation=organisation, reason=reason, refused_by=by)
    from .tasks import notify_organisation_refused

    _after_commit(notify_organisation_refused, refusal.pk)
    return organisation


def _attributed_models() -> list[type[models.Model]]:
    """Models of other apps whose rows are written in an organisation's name (comments, assessments…):
    each has a foreign key ``organisation`` and a history. Their rows follow a merge. Found through
    Django's relations, so accounts needs no import of the apps that build on it."""
    return [
        relation.related_model
        for relation in Organisation._meta.related_objects
        if relation.one_to_many
        and relation.field.name == "organisation"
        and relation.related_model._meta.app_label != Organisation._meta.app_label
        and hasattr(relation.related_model, "history")
    ]


@transaction.atomic
def merge_organisations(*, source: Organisation, target: Organisation, by: User) -> Organisation:
    """Fold a duplicate into the organisation that stays: its members and its comments' attribution
    move to ``target`` (comments keep their text), and ``source`` becomes an alias of it.
    Refuses non-editors, merging an organisation into itself, and a source or target already merged."""
    _require_editor(by)
    if source.pk == target.pk:
        raise ValidationError({"target": _("Une organisation ne peut pas être fusionnée dans elle-même.")})
    # Both rows locked, in a fixed order so that two opposite merges cannot deadlock.
    locked = {
        organisation.pk: organisation
        for organisation in Organisation.objects.select_for_update(of=("self",)).select_related("merged_into").filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    _require_transition(source, Status.MERGED)
    if target.status == Status.MERGED:
        raise TransitionNotAllowed(
            _("« %(name)s » a elle-même été fusionnée dans « %(final)s » : choisissez cette dernière comme cible.")
            % {"name": target.name, "final": target.merged_into.name}
        )
    reason = gettext_noop("Fusion d'organisations")

    memberships = list(Membership.objects.select_for_update().filter(organisation=source))
    for membership in memberships:
        membership.organisation = target
    bulk_update_with_history(memberships, Membership, ["organisation"], default_user=by, default_change_reason=reason)

    for model in _attributed_models():
        rows = list(model._default_manager.select_for_update().filter(organisation=source))
        for row in rows:
            row.organisation = target
        bulk_update_with_history(rows, model, ["organisation"], default_user=by, default_change_reason=reason)

    # Organisations merged earlier into the source now point straight at the target.
    aliases = list(Organisation.objects.select_for_update().filter(merged_into=source))
    for alias in aliases:
        alias.merged_into = target
    bulk_update_with_history(aliases, Organisation, ["merged_into"], default_user=by, default_change_reason=reason)

    source.status = Status.MERGED
    source.merged_into = target
    stamp(source, gettext_noop("Fusionnée dans une autre organisation"), by=by).save()
    return source

"""Password changes revoke API tokens; allauth's confirmation of an address dates the membership's.

Password changes revoke API tokens, whatever the door (reset link, admin, ``changepassword``,
shell): a signal on the user row is the one place every path goes through.

A token is a second password for scripts: whoever changes a password because it leaked expects
the old credentials, tokens included, to stop working. Django re-hashing a password with a newer
algorithm at login counts as a change too: the tokens go, which errs on the safe side.

An account that becomes an editor's (added to the editor group, or made superuser) loses its tokens
too: they were had with the password alone, and editors get theirs with their second factor
(accounts/mfa.py), or whoever had a contributor's password would keep editor rights without it.
"""

from allauth.account.signals import email_confirmed
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_superuser"} & set(update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", "is_superuser").first()
    if stored is None:
        return
    password, was_superuser = stored
    if password != instance.password or (instance.is_superuser and not was_superuser):
        Token.objects.filter(user_id=instance.pk).delete()


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="accounts.revoke_tokens_of_new_editors")
def revoke_tokens_of_new_editors(sender, instance, action, reverse, model, pk_set, **kwargs):
    """``user.groups.add(editor)`` or ``editor.user_set.add(user)``: the new editors' tokens go."""
    from core.roles import EDITOR_GROUP

    if action != "post_add" or not pk_set:
        return
    if not reverse:  # instance: a user; pk_set: groups
        if Group.objects.filter(pk__in=pk_set, name=EDITOR_GROUP).exists():
            Token.objects.filter(user_id=instance.pk).delete()
    elif instance.name == EDITOR_GROUP:  # instance: the group; pk_set: users
        Token.objects.filter(user_id__in=pk_set).delete()


# allauth's password change and reset both end in ``user.set_password(); user.save()``: the receiver
# above revokes the tokens for them too (tests/accounts/test_api_tokens.py goes through both pages).


@receiver(email_confirmed, dispatch_uid="accounts.record_email_confirmed")
def record_email_confirmed(sender, request=None, email_address=None, **kwargs):
    """allauth confirmed an address: the membership's ``email_confirmed_at`` gets its date."""
    from .services import record_email_confirmed as record

    if email_address is not None:
        record(user=email_address.user, email=email_address.email)

"""Password changes revoke API tokens; allauth's confirmation of an address dates the membership's.

Password changes revoke API tokens, whatever the door (reset link, admin, ``changepassword``,
shell): a signal on the user row is the one place every path goes through.

A token is a second password for scripts: whoever changes a password because it leaked expects
the old credentials, tokens included, to stop working. Django re-hashing a password with a newer
algorithm at login counts as a change too: the tokens go, which errs on the safe side.
"""

from allauth.account.signals import email_confirmed
from django.conf import settings
from django.db.models.signals import pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token


@receiver(pre_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values_list("password", flat=True).first()
    if stored is not None and stored != instance.password:
        Token.objects.filter(user_id=instance.pk).delete()


# allauth's password change and reset both end in ``user.set_password(); user.save()``: the receiver
# above revokes the tokens for them too (tests/accounts/test_api_tokens.py goes through both pages).


@receiver(email_confirmed, dispatch_uid="accounts.record_email_confirmed")
def record_email_confirmed(sender, request=None, email_address=None, **kwargs):
    """allauth confirmed an address: the membership's ``email_confirmed_at`` gets its date."""
    from .services import record_email_confirmed as record

    if email_address is not None:
        record(user=email_address.user, email=email_address.email)

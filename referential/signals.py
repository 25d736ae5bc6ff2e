from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import Signal
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .errors import VersionFrozen
from .models import Actor, ReferentialVersion, Requirement, refuse_if_text_frozen


@receiver(m2m_changed, sender=Requirement.actors.through)
def refuse_actor_change_on_frozen_version(sender, instance, action, reverse, pk_set, **kwargs):
    """Adding or removing an actor is a change of the requirement: frozen texts refuse it."""
    if not action.startswith("pre_"):
        return
    if reverse:
        requirements = Requirement.objects.filter(pk__in=pk_set or []) if pk_set else instance.requirements.all()
        statuses = set(
            requirements.filter(version__status__in=ReferentialVersion.TEXT_FROZEN_STATUSES).values_list(
                "version__status", flat=True
            )
        )
    else:
        statuses = set(ReferentialVersion.objects.filter(pk=instance.version_id).values_list("status", flat=True))
    refuse_if_text_frozen(statuses)


@receiver(pre_delete, sender=Actor)
def refuse_deleting_an_actor_of_a_frozen_version(sender, instance, **kwargs):
    """Deleting an actor would silently drop it from published requirements."""
    if instance.requirements.filter(version__status__in=ReferentialVersion.TEXT_FROZEN_STATUSES).exists():
        raise VersionFrozen(
            _("Cet acteur est cité par des exigences publiées ou en concertation : il ne peut pas être supprimé.")
        )


# Sent by the services once an action is written, inside its transaction, for extensions (the
# notifications app listens). A receiver that needs the action committed uses on_commit.
version_published = Signal()  # version

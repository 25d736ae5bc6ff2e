from django.db.models.signals import m2m_changed, pre_delete
from django.dispatch import Signal
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from .errors import VersionFrozen
from .models import Actor, ReferentialVersion, Requirement


@receiver(m2m_changed, sender=Requirement.actors.through)
def refuse_actor_change_on_frozen_version(sender, instance, action, reverse, pk_set, **kwargs):
    """Adding or removing an actor is a change of the requirement: frozen versions refuse it."""
    if not action.startswith("pre_"):
        return
    if reverse:
        requirements = Requirement.objects.filter(pk__in=pk_set or []) if pk_set else instance.requirements.all()
        frozen = requirements.filter(version__status__in=ReferentialVersion.FROZEN_STATUSES).exists()
    else:
        frozen = ReferentialVersion.objects.filter(
            pk=instance.version_id, status__in=ReferentialVersion.FROZEN_STATUSES
        ).exists()
    if frozen:
        raise VersionFrozen()


@receiver(pre_delete, sender=Actor)
def refuse_deleting_an_actor_of_a_frozen_version(sender, instance, **kwargs):
    """Deleting an actor would silently drop it from published requirements."""
    if instance.requirements.filter(version__status__in=ReferentialVersion.FROZEN_STATUSES).exists():
        raise VersionFrozen(
            _("Cet acteur est cité par des exigences publiées : il ne peut pas être supprimé.")
        )


# Sent by the services once an action is written, inside its transaction, for extensions (the
# notifications app listens). A receiver that needs the action committed uses on_commit.
version_published = Signal()  # version

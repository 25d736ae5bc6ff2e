from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .errors import VersionFrozen
from .models import ReferentialVersion, Requirement


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

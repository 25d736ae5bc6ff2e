"""Reads of the accounts app that need shaping."""

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from referential.attention import AttentionRow

from .models import Membership, Organisation


def approvals_waiting_rows() -> list[AttentionRow]:
    """The editors' home panel of what waits for an editor's approval: organisations that signed up,
    then people asking to join an organisation already approved; oldest first, each linked to the
    admin page where it is approved. Two queries."""
    organisations = Organisation.objects.filter(status=Organisation.Status.PENDING).order_by("created_at", "pk")
    memberships = (
        Membership.objects.filter(status=Membership.Status.PENDING, organisation__status=Organisation.Status.APPROVED)
        .select_related("user", "organisation")
        .order_by("user__date_joined", "pk")
    )
    rows = [
        AttentionRow(
            label=_("Organisation « %(name)s » (%(kind)s)") % {"name": organisation.name, "kind": organisation.get_kind_display()},
            url=reverse("admin:accounts_organisation_change", args=[organisation.pk]),
            detail=_("inscrite le %(date)s") % {"date": date_format(timezone.localtime(organisation.created_at), "DATE_FORMAT")},
        )
        for organisation in organisations
    ]
    rows += [
        AttentionRow(
            label=_("%(person)s demande à rejoindre « %(name)s »")
            % {"person": membership.user.get_full_name() or membership.user.email, "name": membership.organisation.name},
            url=reverse("admin:accounts_membership_change", args=[membership.pk]),
            detail=_("inscrit le %(date)s") % {"date": date_format(timezone.localtime(membership.user.date_joined), "DATE_FORMAT")},
        )
        for membership in memberships
    ]
    return rows

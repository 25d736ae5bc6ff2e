"""What accounts announce once an action is written, for extensions (the notifications app
listens). Sent inside the action's transaction."""

from django.dispatch import Signal

organisation_awaits_approval = Signal()  # organisation, membership
membership_awaits_approval = Signal()  # membership: someone joined a registered organisation

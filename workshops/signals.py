"""What workshops announce once an action is written, for extensions (the notifications app
listens). Sent inside the action's transaction; receivers that need it committed use on_commit."""

from django.dispatch import Signal

workshop_published = Signal()  # workshop

"""What self-assessments announce once an action is written, for extensions (the notifications
app listens). Sent inside the action's transaction; receivers that need the action committed use
``transaction.on_commit``."""

from django.dispatch import Signal

changes_requested = Signal()  # submission, comments (the ReviewComment rows just written)

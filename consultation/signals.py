"""What consultations announce once an action is written, for extensions (the
notifications app listens). Sent inside the action's transaction; receivers that need the action
committed use ``transaction.on_commit``."""

from django.dispatch import Signal

consultation_opened = Signal()  # consultation
synthesis_published = Signal()  # consultation
comment_hidden = Signal()  # comment (its hidden_reason set)

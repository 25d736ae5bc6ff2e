"""Background work of the shared machinery, through Django's task interface (django-tasks)."""

from django_tasks import TaskContext, task

from .background import tracked


@task(takes_context=True)
def build_document_task(context: TaskContext, kind: str, key: str) -> str:
    """Build the stored document ``kind`` ``key`` for its current content (nothing when it is
    current; its stored file removed when its object no longer exists); returns its SHA-256."""
    from . import documents

    with tracked(context.task_result.id):
        document = documents.resolve(kind, key)
        if document is None:  # its object was deleted: so is its stored file
            documents.discard(kind, key)
            return ""
        return documents.stored_document(document).sha256

"""A task backend for tests: runs every task at once, except the notification tasks, which it
keeps, like a worker that has not picked them up yet. ``run_kept()`` plays the worker."""

from django_tasks.backends.immediate import ImmediateBackend


class ImmediateExceptNotificationsBackend(ImmediateBackend):
    kept: list = []

    def enqueue(self, task, args, kwargs):
        if task.func.__module__ == "notifications.tasks":
            self.kept.append((task, args, kwargs))
            return None
        return super().enqueue(task, args, kwargs)

    @classmethod
    def run_kept(cls) -> int:
        ran = 0
        while cls.kept:
            task, args, kwargs = cls.kept.pop(0)
            task.call(*args, **kwargs)
            ran += 1
        return ran

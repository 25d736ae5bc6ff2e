"""The project's settings, served with the bench's URLconf (``bench.hello_urls``: the project's URLs
plus the hello-world references), so that a bench through gunicorn measures its reference on the
same server, stack and run as the real work. Used only by the benches (``DJANGO_SETTINGS_MODULE``)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"

"""A real OpenID Connect provider on loopback (npm's oidc-provider, server.mjs beside this file), started
by the sign-in tests: the site talks to it over HTTP as it would to the agency's identity provider.

Logins at its sign-in form: "alice@ans.fr" asserts that address verified; "unverified:alice@ans.fr"
asserts it unverified. Any password.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SERVER = Path(__file__).with_name("server.mjs")
PACKAGE = REPO_ROOT / "node_modules" / "oidc-provider"


@dataclass(frozen=True)
class OIDCServer:
    issuer: str
    client_id: str
    client_secret: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_oidc_server(*, redirect_uris: list[str], client_id: str = "referentiels", client_secret: str = "secret-de-test"):
    """Start the provider on a free port of 127.0.0.1 with one client, wait until its discovery
    document answers, yield an ``OIDCServer``, stop it.

    Raises AssertionError (with the server's output) when node or the npm package is missing or the
    server does not come up within 20 seconds.
    """
    node = shutil.which("node")
    assert node, "node is missing: install Node.js (make system-deps)"
    assert PACKAGE.exists(), f"{PACKAGE} is missing: run `npm ci` at the project root"
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": client_secret,
        "OIDC_REDIRECT_URIS": " ".join(redirect_uris),
    }
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen([node, str(SERVER)], cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1) as response:
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    raise AssertionError(f"the OIDC server did not start:\n{output.read().decode(errors='replace')}")
                time.sleep(0.1)
            yield OIDCServer(issuer=issuer, client_id=client_id, client_secret=client_secret)
        finally:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

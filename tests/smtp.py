"""A real SMTP server on a free local port (aiosmtpd) that keeps what it receives, with a login."""
from __future__ import annotations

import contextlib
import email
from email.policy import default as default_policy

from tests.browser import free_port

USER, PASSWORD = "nhacnho", "mat-khau-thu"


class Inbox:
    def __init__(self):
        self.messages = []          # (envelope recipients, parsed message)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"


@contextlib.contextmanager
def local_smtp():
    """Yield (port, inbox); the server asks for USER/PASSWORD (plain: no TLS on localhost)."""
    import warnings

    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
        # handled=False: the server itself answers 535 to a wrong password, as a real server does
        # (aiosmtpd's default handled=True leaves the client waiting for its 30 s timeout)
        return AuthResult(success=ok, handled=False)

    inbox = Inbox()
    port = free_port()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Requiring AUTH while not requiring TLS")
        controller = Controller(inbox, hostname="127.0.0.1", port=port, auth_required=True,
                                auth_require_tls=False, authenticator=check)
        controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def env(port: int, password: str = PASSWORD) -> dict[str, str]:
    return {"CM_SMTP_HOST": "127.0.0.1", "CM_SMTP_PORT": str(port), "CM_SMTP_TLS": "none",
            "CM_SMTP_USER": USER, "CM_SMTP_PASSWORD": password, "CM_SMTP_FROM": "theodoi@example.vn"}

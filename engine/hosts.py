"""Whether an address is this machine: the one rule for where a password or key may travel unencrypted.

A server on this machine (loopback, `localhost`) may be reached over plain http or an unencrypted mail
connection; a password, token or keyring header sent anywhere else goes over TLS only.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOCAL_EXAMPLES = "127.0.0.1, localhost"  # said in messages


def on_this_machine(host: str) -> bool:
    """Whether `host` is this machine: `localhost` or a loopback address."""
    host = host.strip().strip("[]").rstrip(".")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_to(url: str) -> str | None:
    """The host a plain http:// `url` reaches when it is not this machine (a secret sent there would be
    readable on the way), or None: https, or a server on this machine."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() != "http":
        return None
    host = parts.hostname or ""
    return None if on_this_machine(host) else host


def cleartext_refusal(url: str, what: str) -> str | None:
    """One line refusing to send `what` ("the password") over plain http to another machine, or None."""
    host = cleartext_to(url)
    if host is None:
        return None
    return (
        f"http:// would send {what} unencrypted to {host}; plain http is allowed only for a server on this "
        f"machine ({LOCAL_EXAMPLES}): use https://"
    )

"""Outbound HTTP to addresses people type in (webhook URLs, SSO issuers), safe from SSRF.

`check_url` refuses, with a message naming the problem: schemes other than https (http too when
`require_https` is off), credentials in the URL, and hosts that resolve to a private, loopback,
link-local, multicast or otherwise non-public address, unless that address lies in one of
`settings.POM_WEBHOOK_ALLOWED_NETWORKS`. `post` re-checks at send time and connects to the very
address it checked (no second DNS lookup), so a name that changes its answer (DNS rebinding)
cannot steer a request inside the network.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

RESPONSE_EXCERPT = 1000


class UnsafeURL(ValueError):
    """The URL may not be called; the message says why, for the person who entered it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _networks(names) -> list:
    if names is None:
        names = getattr(settings, "POM_WEBHOOK_ALLOWED_NETWORKS", [])
    return [ipaddress.ip_network(n, strict=False) for n in names]


def address_allowed(address: str, allowed_networks=None) -> bool:
    """A public address, or one inside a network the deployment explicitly allows."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if any(ip in net for net in _networks(allowed_networks)):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, require_https: bool, allowed_networks=None) -> Target:
    """Parse, resolve and vet `url`; raises `UnsafeURL` with a message for the user.

    `allowed_networks` (CIDR strings) defaults to `settings.POM_WEBHOOK_ALLOWED_NETWORKS`.
    """
    parts = urlsplit(url.strip())
    allowed_schemes = ("https",) if require_https else ("https", "http")
    if parts.scheme not in allowed_schemes:
        if require_https:
            raise UnsafeURL(_("Use an https:// address: POM sends events only over HTTPS."))
        raise UnsafeURL(_("Use an http:// or https:// address."))
    if parts.username or parts.password:
        raise UnsafeURL(_("Leave credentials out of the address; POM signs every request instead."))
    host = parts.hostname
    if not host:
        raise UnsafeURL(_("The address has no host name."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL(_("The port in the address is not valid.")) from None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeURL(_("The host name %(host)s does not resolve.") % {"host": host}) from None
    addresses = sorted({info[4][0] for info in infos})
    refused = [a for a in addresses if not address_allowed(a, allowed_networks)]
    if refused:
        raise UnsafeURL(
            _("%(host)s points to a private or local address (%(address)s); POM only calls public addresses.")
            % {"host": host, "address": refused[0]}
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=addresses[0])


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to a vetted address while verifying the certificate for the host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


@dataclass
class Response:
    status: int | None
    duration_ms: int
    excerpt: str = ""
    error: str = ""


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float, require_https: bool) -> Response:
    """POST `body` to `url` after vetting it; never raises for network trouble, reports it instead."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = check_url(url, require_https=require_https)
    except UnsafeURL as exc:
        return Response(status=None, duration_ms=elapsed(), error=str(exc))
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT).decode("utf-8", "replace")
        return Response(status=response.status, duration_ms=elapsed(), excerpt=excerpt)
    except TimeoutError:
        return Response(
            status=None, duration_ms=elapsed(), error=_("No answer within %(s)s s.") % {"s": f"{timeout:g}"}
        )
    except ssl.SSLError as exc:
        return Response(status=None, duration_ms=elapsed(), error=_("TLS error: %(e)s") % {"e": exc.reason or exc})
    except (OSError, http.client.HTTPException) as exc:
        return Response(status=None, duration_ms=elapsed(), error=_("Connection failed: %(e)s") % {"e": exc})
    finally:
        connection.close()


def get_bytes(
    url: str,
    *,
    timeout: float,
    require_https: bool,
    allowed_networks=None,
    accept: str = "*/*",
    limit: int = 512 * 1024,
) -> bytes:
    """GET a document from a vetted address (an OpenID discovery document, SAML metadata).

    Raises `UnsafeURL` for a refused address and `ValueError` with a readable message otherwise.
    """
    target = check_url(url, require_https=require_https, allowed_networks=allowed_networks)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("GET", target.path, headers={"Accept": accept, "User-Agent": "POM"})
        response = connection.getresponse()
        body = response.read(limit)
        if response.status != 200:
            raise ValueError(_("%(url)s answered HTTP %(code)s.") % {"url": url, "code": response.status})
        return body
    except TimeoutError:
        raise ValueError(_("%(url)s did not answer within %(s)s s.") % {"url": url, "s": f"{timeout:g}"}) from None
    except (OSError, http.client.HTTPException) as exc:
        raise ValueError(_("%(url)s could not be reached: %(e)s") % {"url": url, "e": exc}) from None
    finally:
        connection.close()


def get_json(url: str, *, timeout: float, require_https: bool, allowed_networks=None) -> dict:
    """GET a JSON document from a vetted address (an OpenID issuer's discovery document)."""
    import json

    body = get_bytes(
        url, timeout=timeout, require_https=require_https, allowed_networks=allowed_networks, accept="application/json"
    )
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        raise ValueError(_("%(url)s did not return JSON.") % {"url": url}) from None

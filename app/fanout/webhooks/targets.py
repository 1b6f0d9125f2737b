"""Which URLs a webhook may be sent to: https (plain http only where configured), to a host that resolves to public
addresses only, unless configuration allows a private network (tests allow 127.0.0.1). Checked when a webhook is
created, and again for every connection the deliverer makes, which goes to the address checked (`CheckedNetwork`)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore

from app.config.settings import Settings
from domain.errors import ValidationError
from domain.webhook import MAX_URL

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SocketOption = tuple[Any, ...]


class TargetRefused(ValidationError):
    """The URL is well formed, but Docket may not send to it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "url")


@dataclass(frozen=True)
class Targets:
    """The configured rules for webhook targets."""

    allow_http: bool
    allowed_networks: tuple[IpNetwork, ...]

    @classmethod
    def of(cls, settings: Settings) -> Targets:
        """The rules; a ValueError naming DOCKET_WEBHOOK_ALLOWED_NETWORKS when a network in it is not one."""
        networks = []
        for written in settings.webhook_allowed_networks:
            try:
                networks.append(ipaddress.ip_network(written, strict=False))
            except ValueError as error:
                raise ValueError(f"DOCKET_WEBHOOK_ALLOWED_NETWORKS: {error}") from None
        return cls(settings.webhook_allow_http, tuple(networks))

    def check_url(self, url: str) -> tuple[str, int]:
        """The host and port of a URL Docket may send to, as far as can be told without resolving it."""
        if not isinstance(url, str) or len(url) > MAX_URL or any(c.isspace() for c in url):
            raise ValidationError(f"url must be at most {MAX_URL} characters without spaces", "url")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:
            raise ValidationError(f"url is not a URL: {error}", "url") from None
        schemes = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValidationError("url must be an absolute https:// URL", "url")
        if parts.scheme not in schemes:
            raise TargetRefused("url must use https (plain http only where DOCKET_WEBHOOK_ALLOW_HTTP is set)")
        if parts.username is not None or parts.password is not None:
            raise ValidationError("url must not carry credentials", "url")
        return parts.hostname, port or (443 if parts.scheme == "https" else 80)

    def check_addresses(self, host: str, addresses: list[str]) -> None:
        """Refuses a host none of whose addresses may be sent to, or any of whose may not."""
        if not addresses:
            raise TargetRefused(f"url's host {host} does not resolve")
        for written in addresses:
            address = ipaddress.ip_address(written.split("%", 1)[0])
            if not self._allowed(address):
                raise TargetRefused(
                    f"url's host {host} resolves to {address}, a private, loopback, link-local or reserved address "
                    "(allowed only in DOCKET_WEBHOOK_ALLOWED_NETWORKS)"
                )

    def _allowed(self, address: IpAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed_networks):
            return True
        return address.is_global and not address.is_multicast

    def check(self, url: str) -> str:
        """The URL, if Docket may send to it; resolves its host (blocking)."""
        host, port = self.check_url(url)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            found = []
        self.check_addresses(host, [str(info[4][0]) for info in found])
        return url

    async def address(self, host: str, port: int) -> str:
        """The address to connect to for `host`, resolved once, every address it has checked; TargetRefused."""
        try:
            found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            found = []
        addresses = [str(info[4][0]) for info in found]
        self.check_addresses(host, addresses)
        return addresses[0]


class CheckedNetwork(httpcore.AsyncNetworkBackend):
    """Connects webhook calls only to addresses the targets allow. The host is resolved once when a connection is
    made, and the connection made to the checked address itself, not to the name: a name that resolves to a private
    address a moment after its check (DNS rebinding) is never connected to. TLS still verifies the name."""

    def __init__(self, targets: Targets) -> None:
        self.targets = targets
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await self.targets.address(host, port)
        return await self._network.connect_tcp(address, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("webhooks are sent over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)

"""The API behind CloudFront (PRODUCT.md §9): requests prove they came through it, and then the
per-IP limits count the viewer's address that CloudFront gives, not CloudFront's own.

CloudFront adds a secret header (`X-Origin-Verify`) to every request it sends to the API; the
value lives in Secrets Manager. A request without it went around CloudFront and is refused. The
secret is rotated by giving it a new value and deploying (CloudFront then sends the new one):
meanwhile the functions accept the current and the previous value.
"""

import hmac
import ipaddress
from collections.abc import Mapping
from typing import Any

ORIGIN_HEADER = "x-origin-verify"
# What CloudFront says the viewer's address and port were (the origin request policy forwards it).
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"


def _origin_secrets(secret_id: str) -> tuple[str, ...]:
    from espace_abonne.core import aws

    values = [aws.secret_value(secret_id)]
    previous = aws.secret_value(secret_id, stage="AWSPREVIOUS")
    if previous:
        values.append(previous)
    return tuple(values)


def came_through_cloudfront(headers: list[str], secret_id: str) -> bool:
    """True when the request carries one secret origin header, and it is the secret (compared in
    constant time with the current and the previous value)."""
    if len(headers) != 1 or not headers[0]:
        return False
    presented = headers[0].encode("utf-8")
    return any(hmac.compare_digest(presented, value.encode("utf-8")) for value in _origin_secrets(secret_id))


def viewer_address(value: str) -> str | None:
    """`198.51.100.7:46532` or `2001:db8::1:46532` → the address; None when it is not one."""
    address, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit():
        return None
    try:
        return str(ipaddress.ip_address(address.strip("[]")))
    except ValueError:
        return None


def source_ip(event: Mapping[str, Any]) -> str:
    return str(((event.get("requestContext") or {}).get("identity") or {}).get("sourceIp") or "")

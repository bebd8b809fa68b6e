"""The one exception type of the client: a failed call, with its gRPC code and the server's words."""

from __future__ import annotations

from typing import Optional

import grpc

__all__ = ["MaxpoolError"]

# Codes a person can usually fix on their side, with what to check.
_HINTS = {
    grpc.StatusCode.PERMISSION_DENIED: "a read-only token cannot make changes; use the control token",
    grpc.StatusCode.UNAVAILABLE: (
        "check that maxpool is running there with its control plane on, and that the TLS "
        "settings (tls, ca_file, server_name; cert_file and key_file for mutual TLS) match its "
        "control.tls"
    ),
}


class MaxpoolError(Exception):
    """A control-plane call failed.

    Attributes:
        code: the gRPC status code, for example ``grpc.StatusCode.NOT_FOUND``.
        details: the server's message (or gRPC's, for a transport failure), unchanged.
        target: the ``host:port`` of the control plane.

    ``str(error)`` reads ``maxpool control plane at HOST:PORT: CODE: details (hint)``, for example
    ``maxpool control plane at 127.0.0.1:3457: UNAUTHENTICATED: the control token is not valid
    for this server (check the token)``.
    """

    def __init__(
        self,
        target: str,
        code: grpc.StatusCode,
        details: str,
        *,
        hint: Optional[str] = None,
    ) -> None:
        self.target = target
        self.code = code
        self.details = details
        self.hint = hint
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"maxpool control plane at {self.target}: {self.code.name}: {self.details}"
        return f"{text} ({self.hint})" if self.hint else text

    def __str__(self) -> str:
        return self._message()

    @classmethod
    def from_rpc_error(
        cls, target: str, error: grpc.RpcError, *, token_sent: bool = True
    ) -> "MaxpoolError":
        """Wraps a ``grpc.RpcError`` raised by a call to ``target``.

        ``token_sent`` says whether the call carried a token; it picks the hint for
        UNAUTHENTICATED ("check the token", or "this server needs a token").
        """
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        if not isinstance(code, grpc.StatusCode):
            code = grpc.StatusCode.UNKNOWN
        if code == grpc.StatusCode.UNAUTHENTICATED:
            hint = "check the token" if token_sent else "no token was given: pass token="
        else:
            hint = _HINTS.get(code)
        return cls(target, code, details or "(no message)", hint=hint)

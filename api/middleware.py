"""ASGI middleware: the request body limit and the headers every response carries."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PayloadTooLargeError, problem_for


def _too_large(limit: int) -> PayloadTooLargeError:
    message = f"the request body is larger than the limit of {limit} bytes"
    return PayloadTooLargeError(
        [{"index": None, "id": None, "field": "body", "message": message}], message
    )


class BodySizeLimit:
    """Refuse request bodies over ``max_bytes`` without reading them whole.

    A declared ``Content-Length`` over the limit is answered at once, before any of the body is
    read. A body without ``Content-Length`` (chunked) is counted as it arrives: the chunk that
    goes over the limit raises :class:`~api.errors.PayloadTooLargeError` in whoever is reading
    it, which answers 413; nothing more is read and nothing over the limit is kept.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request with its body counted."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.strip().isdigit() and int(declared) > self.max_bytes:
            response = problem_for(_too_large(self.max_bytes))
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _too_large(self.max_bytes)
            return message

        await self.app(scope, counted, send)


class ResponseHeaders:
    """Headers on every response.

    ``X-Content-Type-Options: nosniff`` always; answers to requests carrying credentials are
    marked ``Cache-Control: private, no-store`` (they may hold records the public may not see),
    and every answer varies with ``Authorization``. No cookie is ever set.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one request, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = "authorization" in Headers(scope=scope)

        async def decorate(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers.add_vary_header("Authorization")
                if private:
                    headers["Cache-Control"] = "private, no-store"
                if "set-cookie" in headers:
                    del headers["set-cookie"]
            await send(message)

        await self.app(scope, receive, decorate)

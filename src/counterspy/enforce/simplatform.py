"""A simulated platform enforcement endpoint for tests and the demo (loopback only).

It verifies signatures, dedupes by idempotency key (a repeated key returns the first answer and
applies nothing), records every call and every application, and can inject failures: answer
500 to the first ``fail_first`` requests, or apply the first ``drop_first`` requests and then
drop the connection before answering (the "applied, but the answer was lost" case).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from counterspy.enforce.signing import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)

ENDPOINT = "/enforcement"
_APPLY = {"disable_account": "disabled", "reinstate_account": "active"}


@dataclass
class PlatformState:
    secret: bytes
    fail_first: int = 0
    drop_first: int = 0
    delay_s: float = 0.0
    calls: list[dict[str, Any]] = field(default_factory=list)
    applications: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": list(self.calls),
                "applications": list(self.applications),
                "accounts": dict(self.accounts),
            }


class _DropConnectionError(Exception):
    """Raised to drop the connection after the action was applied."""


def create_platform_app(state: PlatformState) -> Any:
    app = FastAPI(title="simulated platform", openapi_url=None, docs_url=None, redoc_url=None)

    @app.post(ENDPOINT)
    async def enforce(request: Request) -> JSONResponse:
        body = await request.body()
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        problem = verify(
            state.secret,
            body,
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
        )
        with state.lock:
            n = len(state.calls)
            call: dict[str, Any] = {"n": n, "key": key}
            state.calls.append(call)
            if problem:
                call["status"] = 401
                return JSONResponse({"error": problem}, status_code=401)
            try:
                doc = json.loads(body)
                action, target = str(doc["action"]), str(doc["target"])
            except (ValueError, KeyError, TypeError):
                call["status"] = 400
                return JSONResponse({"error": "malformed body"}, status_code=400)
            call.update(action=action, target=target)
            if not key or doc.get("idempotency_key") != key:
                call["status"] = 400
                return JSONResponse({"error": "idempotency key missing or mismatched"}, 400)
            if action not in _APPLY:
                call["status"] = 422
                return JSONResponse({"error": f"unknown action {action}"}, status_code=422)
            if n < state.fail_first:
                call["status"] = 500
                return JSONResponse({"error": "injected failure"}, status_code=500)
            if key in state.answers:
                call["status"] = 200
                call["duplicate"] = True
                return JSONResponse({**state.answers[key], "status": "duplicate"})
            state.accounts[target] = _APPLY[action]
            state.applications.append({"key": key, "action": action, "target": target})
            answer = {"status": "applied", "ref": f"sim-{len(state.applications)}"}
            state.answers[key] = answer
            drop = n < state.fail_first + state.drop_first
            call["status"] = "dropped" if drop else 200
        if state.delay_s:
            time.sleep(state.delay_s)
        if drop:
            raise _DropConnectionError
        return JSONResponse(answer)

    @app.get("/state")
    def current() -> dict[str, Any]:
        return state.snapshot()

    return _DropConnections(app)


class _DropConnections:
    """ASGI wrapper: on ``_DropConnectionError``, start a response and end it short, which breaks
    the connection (the client sees a protocol error, as with a crash after applying)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        try:
            await self.app(scope, receive, send)
        except _DropConnectionError:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", b"64")],
                }
            )
            await send({"type": "http.response.body", "body": b"{", "more_body": False})


@contextmanager
def serve_in_thread(state: PlatformState, port: int = 0) -> Iterator[str]:
    """Run the simulated platform on 127.0.0.1; yields the enforcement endpoint URL."""
    config = uvicorn.Config(
        create_platform_app(state), host="127.0.0.1", port=port, log_level="critical"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("simulated platform did not start")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}{ENDPOINT}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve_forever(state: PlatformState, port: int) -> None:
    """Run in the foreground (``counterspy actions simulate-platform``)."""
    uvicorn.run(create_platform_app(state), host="127.0.0.1", port=port, log_level="warning")

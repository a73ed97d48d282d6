"""Platform adapters: the seam between counterspy's decisions and the platform's enforcement.

An adapter is a small class with a stable registered ``name`` (stored on every outbox row, so
it never changes). The public :meth:`PlatformAdapter.execute` validates the request and calls
the adapter's private ``_do_execute``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Self

from counterspy.enforce.actions import (
    ACCEPTS,
    LOCAL_KINDS,
    ActionKind,
    ActionRequest,
    ActionResult,
)
from counterspy.errors import CounterspyError

ADAPTERS: dict[str, type[PlatformAdapter]] = {}


class PlatformAdapter(ABC):
    """Applies account actions on the platform. Must be idempotent per idempotency key."""

    name: ClassVar[str]
    supports: ClassVar[frozenset[ActionKind]] = frozenset(
        {ActionKind.DISABLE_ACCOUNT, ActionKind.REINSTATE_ACCOUNT}
    )

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "name", None) is None:
            return  # abstract helper classes
        if cls.name in ADAPTERS and ADAPTERS[cls.name] is not cls:
            raise TypeError(f"platform adapter name {cls.name!r} is already registered")
        ADAPTERS[cls.name] = cls

    def execute(self, request: ActionRequest) -> ActionResult:
        if request.kind in LOCAL_KINDS or request.kind not in self.supports:
            raise CounterspyError(f"adapter {self.name!r} does not handle {request.kind.value}")
        if request.target_kind not in ACCEPTS[request.kind]:
            raise CounterspyError(
                f"{request.kind.value} cannot target a {request.target_kind.value}"
            )
        if not request.idempotency_key:
            raise CounterspyError("refusing to send an action without an idempotency key")
        return self._do_execute(request)

    @abstractmethod
    def _do_execute(self, request: ActionRequest) -> ActionResult: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def adapter_class(name: str) -> type[PlatformAdapter]:
    try:
        return ADAPTERS[name]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS)) or "none"
        raise CounterspyError(
            f"unknown platform adapter {name!r}", hint=f"registered: {known}"
        ) from None

"""Delivery channels. Each registered name is a storage key (``notify_outbox.channel``).

A channel delivers one claimed row and calls ``commit`` (the outbox fence) exactly at its point
of no return:

- ``in_product``: the feed row is inserted in the same transaction as the fence, so it is
  exactly once by construction; an optional push tells the platform a notice is waiting.
- ``email``: SMTP via aiosmtplib. The fence is taken after the server answered 354 to DATA and
  before the final ``.`` is written; a sender killed before the fence leaves the transaction
  unterminated (the server discards it) and one killed after it has already handed the dot to
  the kernel. The Message-ID is derived from the idempotency key.
- ``webhook``: HTTP POST with an ``Idempotency-Key`` header; at-least-once, the receiver
  de-duplicates on the key.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.header import Header
from email.utils import format_datetime
from functools import lru_cache
from typing import ClassVar

import aiosmtplib
import httpx
from sqlalchemy import insert
from sqlalchemy.engine import Connection

from counterspy.model import Phase
from counterspy.notify.config import NotifyConfig
from counterspy.notify.contacts import Contact
from counterspy.notify.content import (
    NoticeText,
    compose,
    render_email,
    render_in_product,
    render_sms,
)
from counterspy.notify.helplines import helplines
from counterspy.notify.models import FeedRow
from counterspy.notify.outbox import Delivery

Commit = Callable[[Callable[[Connection], None] | None], bool]


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class FenceLostError(Exception):
    """Another sender owns the row now; this one must not deliver it."""


class SkipError(Exception):
    """Nothing to deliver on this channel for this person (e.g. no address)."""


@lru_cache(maxsize=4096)
def notice_text(phase: Phase, locale: str, helpline: str, day: date) -> NoticeText:
    return compose(phase, locale, helplines().get(helpline), day)


def text_for(d: Delivery) -> NoticeText:
    return notice_text(d.phase, d.locale, d.helpline, d.notice_date)


class Channel(ABC):
    name: ClassVar[str]
    needs_contact: ClassVar[bool] = False

    def __init__(self, config: NotifyConfig) -> None:
        self.config = config

    async def open(self) -> None:  # noqa: B027 - optional hook
        pass

    async def close(self) -> None:  # noqa: B027 - optional hook
        pass

    @abstractmethod
    async def deliver(self, d: Delivery, contact: Contact | None, commit: Commit) -> None:
        """Deliver ``d``; call ``commit`` at the point of no return; raise FenceLostError if it
        returns False, DeliveryError on failure, SkipError when there is nothing to send."""


class InProductChannel(Channel):
    name = "in_product"

    def __init__(self, config: NotifyConfig) -> None:
        super().__init__(config)
        self._http: httpx.AsyncClient | None = None

    async def open(self) -> None:
        if self.config.in_product_push_url:
            self._http = httpx.AsyncClient(timeout=10.0)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def deliver(self, d: Delivery, contact: Contact | None, commit: Commit) -> None:
        n = text_for(d)
        r = render_in_product(n)
        assert r.html is not None

        def add_feed_row(s: Connection) -> None:
            s.execute(
                insert(FeedRow).values(
                    idempotency_key=d.idempotency_key,
                    notice_uid=d.notice_uid,
                    account_id=d.account_id,
                    locale=d.locale,
                    direction=n.direction,
                    title=r.subject,
                    body_html=r.html,
                    body_text=r.text,
                    created_at=datetime.now(UTC),
                )
            )

        if not commit(add_feed_row):
            raise FenceLostError(d.idempotency_key)
        if self._http is not None and self.config.in_product_push_url:
            # A nudge only: the feed is authoritative and the platform also polls it.
            with contextlib.suppress(httpx.HTTPError):
                await self._http.post(
                    self.config.in_product_push_url,
                    json={"notice": d.notice_uid, "account_id": d.account_id},
                    headers={"Idempotency-Key": d.idempotency_key},
                )


def message_id(idempotency_key: str, sender: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    domain = sender.rsplit("@", 1)[-1] or "localhost"
    return f"<{digest}@{domain}>"


@lru_cache(maxsize=1024)
def _encoded_subject(subject: str) -> str:
    return Header(subject, "utf-8").encode(maxlinelen=76)


def _b64(text: str) -> bytes:
    return base64.encodebytes(text.encode("utf-8")).replace(b"\n", b"\r\n")


def build_email(d: Delivery, to: str, sender: str) -> bytes:
    """The message as SMTP bytes: plain text plus a link-free HTML copy, UTF-8, base64.

    Built by hand (headers are few and fixed): the ``email`` package's header registry cost
    more than everything else per message.
    """
    n = text_for(d)
    r = render_email(n)
    assert r.html is not None
    boundary = "cs-" + hashlib.sha256(d.idempotency_key.encode()).hexdigest()[:32]
    headers = [
        f"From: {sender}",
        f"To: {to}",
        "Subject: " + _encoded_subject(r.subject),
        f"Date: {format_datetime(datetime.now(UTC))}",
        f"Message-ID: {message_id(d.idempotency_key, sender)}",
        f"Content-Language: {d.locale.replace('_', '-')}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    part = "Content-Type: text/{}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    return b"".join(
        (
            "\r\n".join(headers).encode("ascii"),
            b"\r\n\r\n",
            f"--{boundary}\r\n".encode(),
            part.format("plain").encode(),
            _b64(r.text),
            f"--{boundary}\r\n".encode(),
            part.format("html").encode(),
            _b64(r.html),
            f"--{boundary}--\r\n".encode(),
        )
    )


_DOT_LINE = re.compile(rb"(?m)^\.")
_END_OF_DATA = b"\r\n.\r\n"  # payloads always end in CRLF before the dot


class EmailChannel(Channel):
    name = "email"
    needs_contact = True

    def __init__(self, config: NotifyConfig) -> None:
        super().__init__(config)
        self._smtp: aiosmtplib.SMTP | None = None

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        c = self.config
        smtp = aiosmtplib.SMTP(
            hostname=c.smtp_host, port=c.smtp_port, start_tls=c.smtp_starttls, timeout=30
        )
        try:
            await smtp.connect()
            if c.smtp_username:
                await smtp.login(c.smtp_username, c.smtp_password or "")
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP connect: {exc}", permanent=False) from None
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        if self._smtp is not None and self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                self._smtp.close()
        self._smtp = None

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None

    async def deliver(self, d: Delivery, contact: Contact | None, commit: Commit) -> None:
        if contact is None or not contact.email:
            raise SkipError("no email address on file")
        payload = build_email(d, contact.email, self.config.mail_from)
        if not payload.endswith(b"\r\n"):
            payload += b"\r\n"
        payload = _DOT_LINE.sub(b"..", payload) + b".\r\n"
        smtp = await self._connection()
        try:
            await smtp.mail(self.config.mail_from)
            await smtp.rcpt(contact.email)
            started = await smtp.execute_command(b"DATA")
        except aiosmtplib.SMTPRecipientRefused as exc:
            await self._reset(smtp)
            raise DeliveryError(
                f"recipient refused: {exc.code}", permanent=exc.code >= 500
            ) from None
        except aiosmtplib.SMTPResponseException as exc:
            await self._reset(smtp)
            raise DeliveryError(f"SMTP {exc.code}", permanent=exc.code >= 500) from None
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            raise DeliveryError(f"SMTP: {type(exc).__name__}", permanent=False) from None
        if started.code != 354:
            await self._reset(smtp)
            raise DeliveryError(f"SMTP DATA {started.code}", permanent=started.code >= 500)
        protocol = smtp.protocol
        if protocol is None:
            self._drop()
            raise DeliveryError("SMTP connection lost after DATA", permanent=False)
        # The whole message except its terminating dot goes out before the fence, so the only
        # work between the fence and the point of no return is one five-byte write.
        protocol.write(payload[: -len(_END_OF_DATA)])
        # Wait until the body has left asyncio's buffer for the kernel: bytes still buffered in
        # this process when it is killed never reach the server.
        try:
            await _flushed(smtp)
        except DeliveryError:
            self._drop()  # mid-DATA: the server discards the partial message
            raise
        if not commit(None):
            self._drop()  # closing without the final dot: the server discards the message
            raise FenceLostError(d.idempotency_key)
        # Written synchronously right after the fence: asyncio hands it to the kernel at once.
        protocol.write(_END_OF_DATA)
        try:
            reply = await protocol.read_response(timeout=60)
        except (aiosmtplib.SMTPException, OSError) as exc:
            self._drop()
            raise AmbiguousDeliveryError(f"no reply after the message was sent: {exc}") from None
        if reply.code != 250:
            raise RejectedAfterDataError(
                f"SMTP {reply.code} after data", permanent=reply.code >= 500
            )

    async def _reset(self, smtp: aiosmtplib.SMTP) -> None:
        try:
            await smtp.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._drop()


async def _flushed(smtp: aiosmtplib.SMTP, timeout: float = 60.0) -> None:
    transport = smtp.transport
    if not isinstance(transport, asyncio.WriteTransport):
        return
    deadline = asyncio.get_running_loop().time() + timeout
    while transport.get_write_buffer_size() > 0:
        if asyncio.get_running_loop().time() > deadline:
            raise DeliveryError("SMTP server stopped reading the message", permanent=False)
        await asyncio.sleep(0.001)


class AmbiguousDeliveryError(Exception):
    """Handed to the receiver but no answer came back: left as sent, unconfirmed."""


class RejectedAfterDataError(DeliveryError):
    """The server refused the message after receiving it whole (row already fenced)."""


class WebhookChannel(Channel):
    name = "webhook"

    def __init__(self, config: NotifyConfig) -> None:
        super().__init__(config)
        self._http: httpx.AsyncClient | None = None

    async def open(self) -> None:
        self._http = httpx.AsyncClient(timeout=15.0)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def deliver(self, d: Delivery, contact: Contact | None, commit: Commit) -> None:
        url = self.config.webhook_url
        if not url or self._http is None:
            raise DeliveryError("no webhook_url configured", permanent=True)
        n = text_for(d)
        r = render_in_product(n)
        body = {
            "notice": d.notice_uid,
            "account_id": d.account_id,
            "locale": d.locale,
            "direction": n.direction,
            "title": r.subject,
            "text": r.text,
            "html": r.html,
            # For an SMS gateway behind the webhook: the short, link-free copy.
            "sms": render_sms(n).text,
        }
        try:
            resp = await self._http.post(
                url,
                content=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers={"Idempotency-Key": d.idempotency_key, "Content-Type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook: {type(exc).__name__}", permanent=False) from None
        if resp.status_code >= 300:
            permanent = 400 <= resp.status_code < 500 and resp.status_code not in (408, 429)
            raise DeliveryError(f"webhook HTTP {resp.status_code}", permanent=permanent)
        if not commit(None):
            raise FenceLostError(d.idempotency_key)


CHANNELS: dict[str, type[Channel]] = {
    c.name: c for c in (InProductChannel, EmailChannel, WebhookChannel)
}

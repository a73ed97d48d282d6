"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts.

Run as ``python -m benchmarks.smtp_sink --port 8587 --out DIR``. Each accepted message is
written to ``DIR/maildir`` and one JSON line (``message_id``, ``rcpt``, ``bytes``) appended to
``DIR/received.log`` *before* the server answers 250, so the log is the server's own record of
what it accepted, duplicates included. :func:`tally` reads it back.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import re
import signal
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

_MESSAGE_ID = re.compile(rb"(?im)^Message-ID:[ \t]*(<[^>\r\n]*>)")


class SinkHandler:
    def __init__(self, out: Path, *, maildir: bool = True) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self._log = (out / "received.log").open("a", encoding="utf-8")
        self._box = mailbox.Maildir(str(out / "maildir"), create=True) if maildir else None
        self._lock = threading.Lock()
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        head = raw.split(b"\r\n\r\n", 1)[0]
        found = _MESSAGE_ID.search(head)
        with self._lock:
            if self._box is not None:
                self._box.add(raw)
            line = {
                "message_id": found.group(1).decode("ascii", "replace") if found else None,
                "rcpt": envelope.rcpt_tos,
                "bytes": len(raw),
            }
            self._log.write(json.dumps(line) + "\n")
            self._log.flush()
            self.count += 1
        return "250 Message accepted for delivery"

    def close(self) -> None:
        self._log.close()


def start(out: Path, port: int, *, maildir: bool = True) -> tuple[Controller, SinkHandler]:
    handler = SinkHandler(out, maildir=maildir)
    controller = Controller(handler, hostname="127.0.0.1", port=port, data_size_limit=1 << 20)
    controller.start()
    return controller, handler


@dataclass(frozen=True)
class Tally:
    received: int
    unique: int
    duplicates: int  # messages received more than once (extra copies)


def tally(out: Path) -> Tally:
    ids: Counter[str] = Counter()
    with (out / "received.log").open(encoding="utf-8") as fh:
        for line in fh:
            ids[json.loads(line)["message_id"]] += 1
    received = sum(ids.values())
    return Tally(received=received, unique=len(ids), duplicates=received - len(ids))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--no-maildir", action="store_true")
    args = ap.parse_args()
    controller, handler = start(args.out, args.port, maildir=not args.no_maildir)
    (args.out / "ready").write_text(str(os.getpid()))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    handler.close()


if __name__ == "__main__":
    main()

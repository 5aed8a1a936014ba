"""A real local SMTP server for tests that need a mail server which answers slowly.

`smtp_server` listens on 127.0.0.1 and a free port, speaks enough SMTP for Django's SMTP backend
(EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no AUTH), keeps every accepted message and
waits `delay` seconds before accepting each one, as a loaded relay does. A message counts as received
once the server has read its final "." line, before the delay: a client killed while waiting for the
250 has still handed its message over, which is what a fault test must account for.
"""

from __future__ import annotations

import socketserver
import threading
import time
from dataclasses import dataclass, field

import pytest


@dataclass
class SmtpServer:
    host: str
    port: int
    delay: float = 0.0
    messages: list[bytes] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[bytes]:
        with self.lock:
            return list(self.messages)


@pytest.fixture
def smtp_server():
    state = SmtpServer(host="127.0.0.1", port=0)

    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(f"{line}\r\n".encode())
            self.wfile.flush()

        def handle(self):
            self.reply("220 pom-test ESMTP")
            while True:
                line = self.rfile.readline()
                if not line:
                    return
                verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
                if verb == "EHLO":
                    self.reply("250-pom-test")
                    self.reply("250 8BITMIME")
                elif verb in ("HELO", "MAIL", "RCPT", "RSET", "NOOP"):
                    self.reply("250 OK")
                elif verb == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    body = []
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        body.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                    with state.lock:
                        state.messages.append(b"".join(body))
                    time.sleep(state.delay)
                    self.reply("250 OK queued")
                elif verb == "QUIT":
                    self.reply("221 Bye")
                    return
                else:
                    self.reply("502 Command not implemented")

    class Server(socketserver.ThreadingTCPServer):
        daemon_threads = True
        allow_reuse_address = True

    server = Server(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()

"""The optional LLM writer against a real local HTTP server speaking the chat-completions protocol:
a grounded reply is used, an invented number or name, a timeout and garbage fall back to the template
text with the reason recorded, and the digest still goes out."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from tests.factories import KeyResultFactory
from workspaces import digest_facts, digest_services, digest_writer
from workspaces.models import Digest, DigestSettings

TODAY = timezone.localdate()


class _Handler(BaseHTTPRequestHandler):
    reply: bytes = b""
    delay: float = 0
    requests: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append({"body": body, "auth": self.headers.get("Authorization")})
        time.sleep(type(self).delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server(settings):
    handler = type("Handler", (_Handler,), {"requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.POM_DIGEST_LLM_URL = f"http://127.0.0.1:{server.server_port}/v1/chat/completions"
    settings.POM_DIGEST_LLM_API_KEY = "test-key"
    settings.POM_DIGEST_LLM_TIMEOUT = 1

    def answer(text=None, raw=None, delay=0):
        handler.delay = delay
        handler.reply = raw if raw is not None else json.dumps({"choices": [{"message": {"content": text}}]}).encode()
        return handler

    yield answer
    server.shutdown()
    server.server_close()


@pytest.fixture
def llm_world(world):
    KeyResultFactory(objective=world.plan.objectives.first(), name="Joint pipeline", target=240000, current_value=90000)
    DigestSettings.objects.create(organization=world.org, llm_enabled=True)
    return world


def _write(world):
    digest_services.generate_batch(
        org=world.org,
        kind="weekly",
        period=digest_facts.period_key("weekly", TODAY),
        workspace_ids=[world.workspace.pk],
        today=TODAY,
    )
    return Digest.objects.for_org(world.org).get(workspace=world.workspace)


def test_a_grounded_reply_is_used(llm_world, llm_server):
    handler = llm_server("Joint pipeline stands at 90,000 of 240,000. Certified engineers has not moved yet.")
    digest = _write(llm_world)
    assert digest.writer == "llm" and digest.writer_note == ""
    assert digest.body.startswith("Joint pipeline stands at 90,000")
    request = handler.requests[0]
    assert request["auth"] == "Bearer test-key"
    assert request["body"]["messages"][0]["role"] == "system"
    assert "Joint pipeline" in request["body"]["messages"][1]["content"]


def test_an_invented_number_falls_back_and_says_why(llm_world, llm_server):
    llm_server("Joint pipeline stands at 95,000 of 240,000, a great week.")
    digest = _write(llm_world)
    assert digest.writer == "template"
    assert "grounding check failed" in digest.writer_note and "95,000" in digest.writer_note
    assert "Joint pipeline" in digest.body


def test_an_invented_name_falls_back(llm_world, llm_server):
    llm_server("Joint pipeline grew thanks to a deal with Globex Corporation.")
    digest = _write(llm_world)
    assert digest.writer == "template" and "Globex" in digest.writer_note


def test_a_timeout_falls_back(llm_world, llm_server):
    llm_server("Joint pipeline stands at 90,000.", delay=2)
    started = time.monotonic()
    digest = _write(llm_world)
    assert time.monotonic() - started < 5
    assert digest.writer == "template" and "did not answer in time" in digest.writer_note


@pytest.mark.parametrize(
    "raw", [b"<html>oops</html>", b'{"choices": []}', b'{"choices": [{"message": {"content": ""}}]}']
)
def test_garbage_falls_back(llm_world, llm_server, raw):
    llm_server(raw=raw)
    digest = _write(llm_world)
    assert digest.writer == "template" and digest.writer_note
    assert digest.body


def test_grounding_check_accepts_dates_counts_and_localised_numbers():
    facts = {"workspace": {"name": "Acme"}, "key_results": [{"name": "Leads", "realised": "200000"}], "x": [1, 2, 3]}
    assert digest_writer.grounding_problems("Leads reached 200.000 on Acme's side; 3 items.", facts) == []
    assert digest_writer.grounding_problems("Leads reached 200,001.", facts)

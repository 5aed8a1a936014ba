"""A small SAML 2.0 identity provider for tests: pysaml2's `Server` behind a plain WSGI app.

python -m tests.saml_idp.server spec.json   (spec: base URL, port, key and certificate files, people)

- GET  /metadata              the IdP's metadata (entity id, sign-in URL, signing certificate);
- GET  /sso/redirect          the HTTP-Redirect binding: a login form carrying the AuthnRequest;
- POST /sso/login             checks the person's password, answers with a signed assertion in an
                              auto-posting form to the requester's assertion consumer service.
  A form field `audience` makes it issue the assertion for another service provider (the way a
  response meant for another application would arrive), to test that POM refuses it.

pysaml2 signs through the `xmlsec1` program, which is not installed here; `PyXmlsecBackend` signs the
same signature templates with the `xmlsec` Python binding (libxmlsec1, the library python3-saml
verifies with).
"""

from __future__ import annotations

import base64
import html
import json
import sys
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

import xmlsec
from lxml import etree
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.sigver import CryptoBackend
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

AUTHN = {"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"}


class PyXmlsecBackend(CryptoBackend):
    """Sign pysaml2's signature templates in-process (what `xmlsec1 --sign` would do)."""

    def __init__(self, cert_file: str):
        self.cert_file = cert_file

    @property
    def version(self):
        return "1.3.0"

    def sign_statement(self, statement, node_name, key_file, node_id):
        data = statement if isinstance(statement, bytes) else str(statement).encode()
        root = etree.fromstring(data)
        xmlsec.tree.add_ids(root, ["ID"])
        node = root if root.get("ID") == node_id else root.xpath("//*[@ID=$id]", id=node_id)[0]
        signature = node.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
        context = xmlsec.SignatureContext()
        key = xmlsec.Key.from_file(key_file, xmlsec.constants.KeyDataFormatPem)
        key.load_cert_from_file(self.cert_file, xmlsec.constants.KeyDataFormatPem)
        context.key = key
        context.sign(signature)
        return etree.tostring(root).decode()


def build_server(spec: dict) -> Server:
    base = spec["base"]
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base}/metadata",
            "service": {
                "idp": {
                    "endpoints": {"single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)]},
                    "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": NAME_FORMAT_URI}},
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                }
            },
            "key_file": spec["key_file"],
            "cert_file": spec["cert_file"],
            "xmlsec_binary": sys.executable,  # never run: PyXmlsecBackend signs
        }
    )
    server = Server(config=config)
    server.sec.crypto = PyXmlsecBackend(spec["cert_file"])
    return server


def metadata(spec: dict) -> str:
    with open(spec["cert_file"]) as handle:
        cert = "".join(line.strip() for line in handle if "CERTIFICATE" not in line)
    base = spec["base"]
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{base}/metadata">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>{NAMEID_FORMAT_EMAILADDRESS}</md:NameIDFormat>
    <md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" Location="{base}/sso/redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""


def _form(action: str, fields: dict, visible: str = "") -> str:
    inputs = "".join(
        f'<input type="hidden" name="{k}" value="{html.escape(v, quote=True)}">' for k, v in fields.items() if v
    )
    form = f'<form method="post" action="{html.escape(action, quote=True)}">{inputs}{visible}</form>'
    return f"<html><body>{form}</body></html>"


def application(spec: dict, server: Server):
    people = {p["email"]: p for p in spec["people"]}

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        method = environ["REQUEST_METHOD"]
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            params = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        else:
            params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}

        def answer(status, body, content_type="text/html"):
            start_response(status, [("Content-Type", f"{content_type}; charset=utf-8")])
            return [body.encode()]

        if path == "/metadata":
            return answer("200 OK", metadata(spec), "application/samlmetadata+xml")
        if path == "/sso/redirect" and "SAMLRequest" not in params:
            return answer("200 OK", "<html><body>Sign-in starts from your application.</body></html>")
        if path == "/sso/redirect":
            server.parse_authn_request(params["SAMLRequest"], BINDING_HTTP_REDIRECT)  # refuses garbage
            fields = {"SAMLRequest": params["SAMLRequest"], "RelayState": params.get("RelayState", "")}
            visible = '<input name="username"><input name="password" type="password"><button>Sign in</button>'
            return answer("200 OK", _form(f"{spec['base']}/sso/login", fields, visible))
        if path == "/sso/login" and method == "POST":
            person = people.get(params.get("username", ""))
            if person is None or params.get("password") != person["password"]:
                return answer("403 Forbidden", "Wrong e-mail or password.")
            request = server.parse_authn_request(params["SAMLRequest"], BINDING_HTTP_REDIRECT).message
            identity = {"mail": [person["email"]], "givenName": [person["first_name"]], "sn": [person["last_name"]]}
            response = server.create_authn_response(
                identity,
                in_response_to=request.id,
                destination=request.assertion_consumer_service_url,
                sp_entity_id=params.get("audience") or request.issuer.text,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=person["email"]),
                authn=AUTHN,
                sign_response=False,
                sign_assertion=True,
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            encoded = base64.b64encode(str(response).encode()).decode()
            fields = {"SAMLResponse": encoded, "RelayState": params.get("RelayState", "")}
            return answer("200 OK", _form(request.assertion_consumer_service_url, fields))
        return answer("404 Not Found", "Not found.")

    return app


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        sys.stderr.write("idp: " + (format % args) + "\n")


def main(spec_path: str) -> None:
    with open(spec_path) as handle:
        spec = json.load(handle)
    server = build_server(spec)
    httpd = make_server("127.0.0.1", spec["port"], application(spec, server), handler_class=QuietHandler)
    httpd.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1])

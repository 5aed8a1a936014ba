"""Prepare the test provider's database: schema, signing key, users and clients from a JSON file.

DJANGO_SETTINGS_MODULE=tests.oidc_op.settings python -m tests.oidc_op.bootstrap spec.json
"""

import json
import sys

import django


def main(spec_path: str) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    with open(spec_path) as handle:
        spec = json.load(handle)
    for person in spec["users"]:
        User.objects.create_user(
            username=person["username"],
            email=person["email"],
            password=person["password"],
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
        )
    code = ResponseType.objects.get(value="code")
    for item in spec["clients"]:
        client = Client.objects.create(
            name=item["name"],
            client_type="confidential",
            client_id=item["client_id"],
            client_secret=item["client_secret"],
            redirect_uris=item["redirect_uris"],
            require_consent=False,
            reuse_consent=True,
            jwt_alg="RS256",
        )
        client.response_types.add(code)
        client.scope = ["openid", "email", "profile"]
        client.save()


if __name__ == "__main__":
    main(sys.argv[1])

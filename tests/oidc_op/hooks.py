"""Claims of the test provider's users; one client deliberately issues tokens for another audience."""


def userinfo(claims, user):
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["name"] = f"{user.first_name} {user.last_name}".strip()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    return claims


def idtoken(id_token, user, token, request, **kwargs):
    if token.client.name == "wrong-audience":
        id_token["aud"] = "some-other-application"
    return id_token

"""A URLconf for `test_api_writes.py`: endpoints that write through a real service, then fail to answer."""

from django.urls import path
from rest_framework import exceptions, status
from rest_framework.response import Response

from pom import services
from pom.api.base import OrgViewSet
from pom.models import ApiKey, Role


class FailingAnswerViewSet(OrgViewSet):
    """Creates an API key through the service, then fails the way a broken output step would."""

    model = ApiKey
    required_roles = {"POST": Role.ADMIN}

    def create(self, request, org_slug):
        services.api_key_create(org=self.org, actor=request.user, name=request.data["name"], scope="read")
        if request.data.get("fail") == "400":
            raise exceptions.ValidationError({"name": ["This answer cannot be given."]})
        if request.data.get("fail") == "500":
            raise RuntimeError("the answer could not be serialised")
        return Response({"ok": True}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("api/o/<slug:org_slug>/keys/", FailingAnswerViewSet.as_view({"post": "create"}), name="failing-answer"),
]

import factory

from tests.factories.partners import PartnershipFactory
from tests.factories.pom import OrganizationFactory, UserFactory
from workspaces.models import (
    Comment,
    Notification,
    Side,
    Update,
    Workspace,
    WorkspaceMember,
    WorkspacePartnership,
    WorkspaceRole,
)


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Workspace {n}")


class WorkspacePartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkspacePartnership

    workspace = factory.SubFactory(WorkspaceFactory)
    organization = factory.SelfAttribute("workspace.organization")
    partnership = factory.SubFactory(PartnershipFactory, organization=factory.SelfAttribute("..organization"))


class WorkspaceMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkspaceMember

    workspace = factory.SubFactory(WorkspaceFactory)
    organization = factory.SelfAttribute("workspace.organization")
    user = factory.SubFactory(UserFactory)
    side = Side.PARTNER
    role = WorkspaceRole.EDITOR


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    workspace = factory.SubFactory(WorkspaceFactory)
    organization = factory.SelfAttribute("workspace.organization")
    author = factory.SubFactory(UserFactory)
    author_label = factory.LazyAttribute(lambda o: o.author.display_name)
    body = factory.Faker("sentence")


class UpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Update

    workspace = factory.SubFactory(WorkspaceFactory)
    organization = factory.SelfAttribute("workspace.organization")
    kind = Update.Kind.COMMENT
    text = factory.Faker("sentence")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    workspace = factory.SubFactory(WorkspaceFactory)
    organization = factory.SelfAttribute("workspace.organization")
    user = factory.SubFactory(UserFactory)
    kind = Notification.Kind.MENTION
    text = factory.Faker("sentence")

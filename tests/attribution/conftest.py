import pytest

from tests.factories import WorkspaceMemberFactory


@pytest.fixture
def guest(org):
    """A partner person: member of one of the org's workspaces, no membership in the org."""
    return WorkspaceMemberFactory(organization=org, workspace__organization=org).user

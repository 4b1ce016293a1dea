"""The template's view of R2 (``{% if can.buy %}``, ``{{ can.reason.buy }}``) behaves like an object.

Private and special names are not actions: asking for one raises AttributeError naming it, so
``hasattr``, copying and Django's template engine (which probes such names) keep working.
"""

import pytest

from membership.models import Role
from membership.permissions import Action, Capabilities, denial_reason
from tests.factories.membership import UserFactory


@pytest.fixture
def capabilities(org):
    return Capabilities(UserFactory(organization=org, roles=[Role.BILLING_ADMIN]))


def test_actions_read_as_the_r2_table(capabilities):
    assert capabilities.buy is True and capabilities.manage_users is False
    assert capabilities.reason.manage_users == denial_reason(Action.MANAGE_USERS)


@pytest.mark.parametrize("name", ["_private", "__html__"])
def test_a_private_or_special_name_is_no_action(capabilities, name):
    with pytest.raises(AttributeError, match=name):
        getattr(capabilities, name)
    with pytest.raises(AttributeError, match=name):
        getattr(capabilities.reason, name)
    assert not hasattr(capabilities, name) and not hasattr(capabilities.reason, name)

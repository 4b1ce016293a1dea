"""The admin home's dashboard, read where Django admin's own index template asks for it."""

from django import template

from ..programme.dashboard import dashboard_blocks
from ..programme.selectors import programme_at_a_glance

register = template.Library()


@register.simple_tag
def programme_at_a_glance_blocks():
    """The dashboard's blocks (charts and tables) for the staff member reading the admin home."""
    return dashboard_blocks(programme_at_a_glance())

"""The ``money`` template filter: integer minor units with their currency (partnerportal.money, babel)."""

from django import template

from partnerportal.money import format_money

register = template.Library()


@register.filter
def money(amount, currency="USD"):
    if amount is None:
        return ""
    return format_money(int(amount), currency)


JINJA_FILTERS = {"money": money}  # for the Jinja2 pages (partnerportal.jinja)

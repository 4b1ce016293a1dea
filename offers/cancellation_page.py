"""Where a partner asks to cancel a subscription: a page of the app that handles cancellations.

A subscription's details offer "Cancel subscription", but a cancellation goes through a service
request to Partner Center support (R11), and support sits above offers: offers may not name its
views, not even by URL name. So the owner of the page registers it, once, from its
``AppConfig.ready()``::

    offers.cancellation_page.register(<the URL name of its page>)

The page is asked for with ``?subscription=<id>``. Without a registration the link is not shown.
"""

from django.urls import NoReverseMatch

from partnerportal.fast_urls import page_url

_url_name = None


def register(url_name):
    """Make ``url_name`` (a page without arguments) the page where a cancellation is requested."""
    global _url_name
    _url_name = url_name


def url(subscription_pk):
    """The link that starts cancelling the subscription, or None when no app registered its page."""
    if _url_name is None:
        return None
    try:
        base = page_url(_url_name)
    except NoReverseMatch:
        return None
    return None if base is None else "%s?subscription=%d" % (base, subscription_pk)

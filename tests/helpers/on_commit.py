"""On-commit callbacks as tests count them."""

from partnerportal import page_cache


def other_than_version_bumps(callbacks):
    """The callbacks left when the page cache's own (a data version replaced again at commit,
    one per changed organisation) are taken out: what a test of e-mails after commit counts."""
    return [callback for callback in callbacks if getattr(callback, "func", None) is not page_cache.replace_version]

"""``{% cached_part "name" [vary ...] [using context] %}…{% endcached_part %}``: a part of a signed-in page, rendered once.

The part is stored under everything it can depend on: its name and the extra values given, the
page's path and query, the reader (user), their language, today's date (renewal windows, "expires
in" texts) and the data versions of their organisation and of the catalogue
(partnerportal.page_cache). A change to any of them is a miss, so the part is never stale.

``using context`` names a mapping the view passes as ``deferred(function, …)``: its items are
added to the template context on a miss only, so a hit runs none of the view's queries.

Forms inside a part keep working: the part is rendered with a placeholder for the CSRF token,
and each request puts its own token in, so a stored part never carries another session's token.
"""

import hashlib

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from partnerportal import page_cache

register = template.Library()

CSRF_PLACEHOLDER = "csrf-token-placeholder-b41f9e"


class CachedPartNode(template.Node):
    def __init__(self, nodelist, name, vary_on, using=None):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on
        self.using = using

    def render_part(self, context, **extra):
        values = dict(self.using.resolve(context)) if self.using is not None else {}
        with context.push(**values, **extra):
            return self.nodelist.render(context)

    def render(self, context):
        request = context.get("request")
        user = getattr(request, "user", None) if request is not None else None
        if request is None or request.method not in ("GET", "HEAD") or not getattr(user, "is_authenticated", False):
            # Only a signed-in reader's plain page view: a form sent back with its errors is never kept.
            return self.render_part(context)
        key = self.key(context, request, user)
        part = cache.get(key)
        if part is None:
            part = self.render_part(context, csrf_token=CSRF_PLACEHOLDER)
            cache.set(key, part, settings.PAGE_CACHE_SECONDS)
        if CSRF_PLACEHOLDER in part:
            part = part.replace(CSRF_PLACEHOLDER, str(context.get("csrf_token", "")))
        return mark_safe(part)

    def key(self, context, request, user):
        # Read before anything of the part is rendered: see page_cache on the order that matters.
        organization_version, catalogue_version = page_cache.request_data_versions(request)
        parts = [
            self.name.resolve(context),
            *(str(value.resolve(context)) for value in self.vary_on),
            request.get_full_path(),
            str(user.pk),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            organization_version or "",
            catalogue_version,
        ]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        return "pagepart:" + digest


@register.tag("cached_part")
def cached_part(parser, token):
    bits = token.split_contents()
    using = None
    if len(bits) > 2 and bits[-2] == "using":
        using = parser.compile_filter(bits[-1])
        bits = bits[:-2]
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'cached_part' needs a name: {% cached_part \"offers\" %}")
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    vary_on = [parser.compile_filter(bit) for bit in bits[2:]]
    return CachedPartNode(nodelist, parser.compile_filter(bits[1]), vary_on, using)

"""``{% cached_part "name" [vary ...] %}…{% endcached_part %}``: a part of a signed-in page, rendered once.

The part is stored under partnerportal.page_cache.reader_key: its name and the extra values given,
the page's path and query, the reader, their language, today's date and the data versions of their
organisation and of the catalogue, so a change to any of them is a miss and the part is never
stale. Forms inside keep working: the part is kept with a placeholder for the CSRF token, and each
request puts its own in. Only a signed-in reader's GET is cached.
"""

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import mark_safe

from partnerportal import page_cache

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, nodelist, name, vary_on):
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context):
        request = context.get("request")
        if request is None or not page_cache.is_cacheable_request(request):
            return self.nodelist.render(context)
        vary_on = [value.resolve(context) for value in self.vary_on]
        key = page_cache.reader_key(request, self.name.resolve(context), *vary_on)
        part = cache.get(key)
        if part is None:
            part = page_cache.with_csrf_placeholder(self.nodelist.render(context))
            cache.set(key, part, settings.PAGE_CACHE_SECONDS)
        return mark_safe(page_cache.with_csrf_token(part, request))


@register.tag("cached_part")
def cached_part(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("'cached_part' needs a name: {% cached_part \"shell\" %}")
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    return CachedPartNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])

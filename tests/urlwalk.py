"""Enumerate the portal's URL patterns (not the admin's) with sample arguments, for tests that must cover every URL."""

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.resolvers import RoutePattern

from partnerportal.ids import IdConverter

SAMPLE_BY_CONVERTER = {
    IntConverter: 900001,
    IdConverter: 900001,
    StringConverter: "sample",
    SlugConverter: "sample",
    PathConverter: "sample",
    UUIDConverter: "00000000-0000-0000-0000-000000000000",
}


def _walk(patterns, namespace, converters, prefix):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin" or entry.namespace == "admin":
                continue
            ns = entry.namespace or namespace
            nested_converters = {**converters, **getattr(entry.pattern, "converters", {})}
            yield from _walk(entry.url_patterns, ns, nested_converters, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            all_converters = {**converters, **getattr(entry.pattern, "converters", {})}
            yield (
                (f"{namespace}:{entry.name}" if namespace else entry.name),
                all_converters,
                prefix + str(entry.pattern),
            )


def portal_urls(arguments=None):
    """(url name, path with sample arguments, has object id, route) for every named portal URL.

    ``arguments`` maps an argument name to the value to use instead of its converter's sample.
    """
    arguments = arguments or {}
    result = []
    for name, converters, route in _walk(get_resolver().url_patterns, None, {}, ""):
        kwargs = {
            arg: arguments.get(arg, SAMPLE_BY_CONVERTER.get(type(conv), "sample")) for arg, conv in converters.items()
        }
        result.append(
            (
                name,
                reverse(name, kwargs=kwargs),
                any(isinstance(c, (IntConverter, IdConverter)) for c in converters.values()),
                route,
            )
        )
    return result


PORTAL_APPS = ("membership", "offers", "billing", "support")


def _walk_admin(patterns, prefix):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk_admin(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name and isinstance(entry.pattern, RoutePattern):
            yield entry, prefix + str(entry.pattern)


def admin_custom_urls():
    """(url name, route) of the admin pages the portal adds: its own views and its models' change lists."""
    admin_resolver = next(
        entry for entry in get_resolver().url_patterns if isinstance(entry, URLResolver) and entry.namespace == "admin"
    )
    result = []
    for entry, route in _walk_admin(admin_resolver.url_patterns, str(admin_resolver.pattern)):
        own_view = (entry.callback.__module__ or "").split(".")[0] in PORTAL_APPS
        own_changelist = entry.name.endswith("_changelist") and entry.name.split("_")[0] in PORTAL_APPS
        if own_view or own_changelist:
            result.append((f"admin:{entry.name}", route))
    return result

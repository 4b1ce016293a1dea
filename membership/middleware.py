"""Django's LocaleMiddleware, with the signed-in user's saved language first: the choice follows them across devices."""

from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.functional import SimpleLazyObject, empty


class UserLocaleMiddleware(LocaleMiddleware):
    """After AuthenticationMiddleware. A signed-in user with a saved language gets it at once; anyone
    else gets Django's choice (language cookie, then Accept-Language). One middleware, not two: each
    layer is paid on every request."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # The language needs the user, so it is read here on every request anyway; from now on
            # request.user is the user itself: each attribute read through the lazy proxy cost ~1 µs,
            # and a page reads dozens.
            user.__class__  # noqa: B018  (reading it loads the user)
            if user._wrapped is not empty:
                request.user = user = user._wrapped
        language = user.language if user is not None and user.is_authenticated else ""
        if not language:
            return super().process_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

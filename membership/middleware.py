"""Django's LocaleMiddleware, with the signed-in user's saved language first: the choice follows them across devices."""

from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class UserLocaleMiddleware(LocaleMiddleware):
    """After AuthenticationMiddleware. A signed-in user with a saved language gets it at once; anyone
    else gets Django's choice (language cookie, then Accept-Language). One middleware, not two: each
    layer is paid on every request."""

    def process_request(self, request):
        user = getattr(request, "user", None)
        language = user.language if user is not None and user.is_authenticated else ""
        if not language:
            return super().process_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        return None

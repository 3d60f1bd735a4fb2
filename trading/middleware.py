"""Chinese first: pages are in Simplified Chinese unless the user chose another
language (the language cookie set by the switcher). API clients may also ask with
Accept-Language. Static files (WhiteNoise, streamed asynchronously over ASGI) and the
refusal of NUL characters."""

import asyncio

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from whitenoise.middleware import WhiteNoiseMiddleware

from .views.public import bad_request


class ChineseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
            if request.path.startswith(("/api/", "/ledger/")) and "HTTP_ACCEPT_LANGUAGE" in request.META:
                language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        translation.deactivate()
        return response


class RefuseNulMiddleware:
    """A NUL character in the address or in a posted form is never meant, and PostgreSQL
    cannot hold one (psycopg refuses the query with ValueError, a 500). Refused here, for
    every page and endpoint at once, with a 400 that says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = _("The request contains a NUL character (\\0), which no address or form field may hold.")
            if request.path.startswith(("/api/", "/ledger/")):
                return JsonResponse({"error": {"code": "invalid_input", "message": message}}, status=400)
            return bad_request(request, message=message)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        forms = [request.GET]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded",
                                                                 "multipart/form-data"):
            forms.append(request.POST)
        return "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for form in forms for key, values in form.lists())


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, whose files stream asynchronously when the request came over ASGI
    (uvicorn). Its responses iterate the file synchronously: Django's ASGI handler would
    read each file whole in a worker thread and warn on every request."""

    block_size = 64 * 1024

    def serve(self, static_file, request):
        response = super().serve(static_file, request)
        if isinstance(request, ASGIRequest):
            # None for HEAD and 304: headers only. The response still closes the file.
            response.streaming_content = self._read_in_thread(response.file_to_stream)
        return response

    async def _read_in_thread(self, file):
        if file is None:
            return
        while chunk := await asyncio.to_thread(file.read, self.block_size):
            yield chunk

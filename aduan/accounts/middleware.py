"""Pages made for one signed-in person stay with that person.

A page shown to a signed-in user may hold what only they may see (a reporter's contact
on a back-office report, their own reports, their notifications). Unless the view says
otherwise, such a response is `private` (no shared cache keeps it), and back-office pages
are not stored at all (`no-store`), so the next user of a shared office computer cannot
bring them back from the browser's cache.
"""

from django.utils.cache import add_never_cache_headers, patch_cache_control

BACK_OFFICE = "/kantor/"


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.has_header("Cache-Control") or not getattr(user, "is_authenticated", False):
            return response
        if request.path.startswith(BACK_OFFICE):
            add_never_cache_headers(response)
        else:
            patch_cache_control(response, private=True)
        return response

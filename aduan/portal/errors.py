"""Pages for requests that went wrong, in the reader's language.

Django finds 400.html, 403.html, 404.html and 500.html in the templates by itself; a
form refused by the CSRF check gets a page of its own (`CSRF_FAILURE_VIEW`), because
"CSRF verification failed" means nothing to a citizen whose form sat open too long.
"""

from django.shortcuts import render


def csrf_failure(request, reason: str = ""):
    """The form could not be sent safely (its token expired or cookies are blocked)."""
    return render(request, "403_csrf.html", status=403)

"""View guards of the back office: who may open which pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from aduan.organizations.access import Access


def requires(check: Callable[[Access], bool], refusal) -> Callable:
    """A view decorator: anonymous visitors go to sign in; signed-in users whose access
    fails `check` get 403 with `refusal` (a lazily translated message)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(Access.of(request.user)):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

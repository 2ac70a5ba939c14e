from aduan.notifications.models import Notification

_CACHE_ATTRIBUTE = "_aduan_unread_notifications"


def unread(request):
    """`unread_notifications` for the header bell: a callable, so the COUNT runs only on
    pages that show it, and at most once per request however often it is used."""
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return {}

    def count() -> int:
        cached = getattr(request, _CACHE_ATTRIBUTE, None)
        if cached is None:
            cached = Notification.objects.unread_for(user).count()
            setattr(request, _CACHE_ATTRIBUTE, cached)
        return cached

    return {"unread_notifications": count}

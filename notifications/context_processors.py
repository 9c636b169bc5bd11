from notifications.models import Notification


def unread(request):
    """The unread count in every page's header (one query, for signed-in people only)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from notifications import services
from notifications.models import Notification


def notification_list(request):
    notifications = Notification.objects.for_user(request.user)
    return render(request, "notifications/list.html", {
        "page": Paginator(notifications, settings.PAGE_SIZE).get_page(request.GET.get("page")),
    })


@require_POST
def mark_read(request):
    raw = request.POST.get("notification", "")
    notification_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 12 else None
    if raw and notification_id is None:
        messages.error(request, "That notification could not be found.")
        return redirect("notifications:list")
    changed = services.mark_read(user=request.user, notification_id=notification_id)
    if not raw:
        messages.success(request, f"{changed} notification{'s' if changed != 1 else ''} marked as read.")
    return redirect("notifications:list")

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST


def home(request: HttpRequest) -> HttpResponse:
    """Landing page for `make run`: where to go next, and the demo when the sandbox is on."""
    return render(request, "home.html", {"sandbox_enabled": settings.SANDBOX_ENABLED})


@require_POST
@staff_member_required
def demo_start(request: HttpRequest) -> HttpResponse:
    """Queue the demo story (it needs the worker); staff only, sandbox only."""
    if not settings.SANDBOX_ENABLED:
        messages.error(request, "The sandbox is off (SANDBOX_ENABLED), so the demo cannot run.")
        return HttpResponseRedirect(reverse("home"))
    from integrations.sandbox.tasks import sandbox_demo_play

    sandbox_demo_play.delay()
    messages.success(request, "Demo started: within a few seconds the returns, RMAs and timelines are in the admin.")
    return HttpResponseRedirect(reverse("home"))

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods


def home(request: HttpRequest) -> HttpResponse:
    """Landing page for `make run`: where to go next, and the demo when the sandbox is on."""
    return render(request, "home.html", {"sandbox_enabled": settings.SANDBOX_ENABLED})


@require_http_methods(["GET", "POST"])
@staff_member_required
def demo_start(request: HttpRequest) -> HttpResponse:
    """GET: the page with the "Run the demo" button (where a visitor lands after logging in);
    POST: queue the demo story (it needs the worker). Staff only, sandbox only."""
    if not settings.SANDBOX_ENABLED:
        messages.error(request, "The sandbox is off (SANDBOX_ENABLED), so the demo cannot run.")
        return HttpResponseRedirect(reverse("home"))
    if request.method == "POST":
        from integrations.sandbox.tasks import sandbox_demo_play

        sandbox_demo_play.delay()
        messages.success(
            request, "Demo started: within a few seconds the returns, RMAs and timelines are in the admin."
        )
        return HttpResponseRedirect(reverse("demo"))
    return render(request, "demo.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form older than the session it was posted in (opened before logging in or out, or restored
    by the back button): say so and how to go on, instead of Django's bare 403."""
    return render(request, "csrf_failure.html", {"reason": reason}, status=403)

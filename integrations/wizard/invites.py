"""The invite page: join a store with the invite's role, creating an account or logging in first.

An invite is single-use and may be bound to an email address; sign-ups are rate-limited per client
address. The token in the path is masked in every log line (config/logging.py).
"""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from config.client_ip import client_ip
from integrations import access
from integrations.services.invites import (
    InviteError,
    InviteWrongEmail,
    invite_accept,
    invite_email_check,
    invite_get,
    invite_signup,
)
from integrations.wizard.forms import InviteSignupForm


def _signup_wait(request: HttpRequest) -> float:
    """Seconds until this address may create another account through an invite (0: now)."""
    from integrations.ratelimit import acquire

    return acquire(key=f"invite-signup:{client_ip(request)}", limit=settings.INVITE_SIGNUP_RATE_LIMIT)


@never_cache
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """GET/POST /setup/invite/<token>/: join the store, creating an account or logging in first."""
    try:
        the_invite = invite_get(token=token)
    except InviteError as exc:
        return render(request, "setup/invite_invalid.html", {"reason": str(exc)}, status=400)
    store = the_invite.store
    action = request.POST.get("action", "")
    signup_form = InviteSignupForm(request.POST if action == "signup" else None, prefix="signup")
    login_form = AuthenticationForm(request, data=request.POST if action == "login" else None, prefix="login")
    context: dict[str, Any] = {
        "store": store,
        "invite": the_invite,
        "signup_form": signup_form,
        "login_form": login_form,
    }
    user = None
    if request.method == "POST" and action == "signup":
        wait = _signup_wait(request)
        if wait:
            response = render(request, "setup/invite_slow_down.html", {"store": store, "minutes": int(wait // 60) + 1})
            response.status_code = 429
            response["Retry-After"] = str(int(wait) + 1)
            return response
    try:
        if request.method == "POST" and action == "join" and request.user.is_authenticated:
            invite_email_check(invite=the_invite, email=getattr(request.user, "email", ""))
            user = request.user
        elif request.method == "POST" and action == "signup" and signup_form.is_valid():
            data = signup_form.cleaned_data
            user = invite_signup(
                token=token, username=data["username"], email=data["email"], password=data["password1"]
            )
        elif request.method == "POST" and action == "login" and login_form.is_valid():
            user = login_form.get_user()
            invite_email_check(invite=the_invite, email=user.email)
    except InviteWrongEmail as exc:
        if action == "signup":
            signup_form.add_error("email", str(exc))
        elif action == "login":
            login_form.add_error(None, str(exc))
        else:
            context["join_error"] = str(exc)
        user = None
    except InviteError as exc:  # used or revoked meanwhile
        return render(request, "setup/invite_invalid.html", {"reason": str(exc)}, status=400)
    if user is not None:
        if action != "signup":  # a sign-up consumed the invite with the account it created
            try:
                invite_accept(token=token, user=user)
            except InviteError as exc:
                return render(request, "setup/invite_invalid.html", {"reason": str(exc)}, status=400)
        if not request.user.is_authenticated or request.user.pk != user.pk:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        access.forget_roles(request.user)
        messages.success(request, f"You are now a {the_invite.get_role_display().lower()} of {store.name}.")
        return redirect("setup:resume", slug=store.slug)
    # A new merchant needs the sign-up form; one who just tried to log in, the log-in form again.
    # (Django's AuthenticationForm autofocuses its user name, which took the focus from sign-up.)
    _focus_first(login_form if action == "login" else signup_form, others=[signup_form, login_form])
    return render(request, "setup/invite.html", context, status=422 if request.method == "POST" else 200)


def _focus_first(form: Any, *, others: list[Any]) -> None:
    """Autofocus the form's first field with an error, else its first field, and nothing else on the page."""
    for other in others:
        for field in other.fields.values():
            field.widget.attrs.pop("autofocus", None)
    names = list(form.fields)
    invalid = [name for name in names if form.is_bound and name in form.errors]
    target = (invalid or names)[0]
    form.fields[target].widget.attrs["autofocus"] = True

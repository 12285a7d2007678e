"""The account page for personal access tokens: create (shown once), list, revoke."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core.access import get_visible_or_404, require_login
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal

from . import actions
from .forms import TokenForm
from .models import AccessToken


def own_tokens(user):
    return AccessToken.objects.filter(user=user)


@require_login
def token_list(request):
    form = TokenForm(request.POST or None, user=request.user)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = actions.do_create_token(
                acting_user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.scopes(),
                expires_in_days=form.cleaned_data["expires_in_days"],
                totp_code=form.cleaned_data.get("totp_code", ""),
            )
        except ActionRefused as exc:
            if exc.field == "scopes":
                form.add_error(None, exc.text)
            else:
                add_refusal(form, exc)
        else:
            created = (token, secret)
            form = TokenForm(user=request.user)
    tokens = own_tokens(request.user)
    response = render(request, "api/tokens.html", {"form": form, "tokens": tokens, "created": created})
    if created:
        response["Cache-Control"] = "no-store"  # the secret is on this page once: never cache it
    return response


@require_login
@require_POST
def token_revoke(request, pk):
    token = get_visible_or_404(own_tokens(request.user), pk=pk)
    try:
        actions.do_revoke_token(token, acting_user=request.user)
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
    return redirect("tokens:list")

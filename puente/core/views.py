from django.shortcuts import redirect, render

from .access import public, require_login


@require_login
def home(request):
    """Each role lands on its own dashboard; until an app provides one, a simple welcome."""
    from django.urls import NoReverseMatch, reverse

    dashboards = {
        "coordinator": "cases:queue",
        "advocate": "cases:my_cases",
        "defender": "cases:my_assignments",
    }
    try:
        return redirect(reverse(dashboards[request.user.role]))
    except (NoReverseMatch, KeyError):
        return render(request, "core/home.html")


@public
def health(request):
    from django.http import JsonResponse

    return JsonResponse({"status": "ok"})

"""Matching views (Coordinators only): the suggestions panel loaded by htmx on the case review
page, choosing a Defender, and how often the network follows the first suggestion.

What was shown is signed into the choose form, so the MatchRecord keeps exactly the suggestions
the Coordinator saw, not a recomputation made after the network changed.
"""

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from puente.core.access import get_visible_or_404, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal

from . import matching
from .access import visible_cases
from .actions import do_assign_defender
from .forms import DefenderChoiceField
from .models import MatchRecord

SIGNING_SALT = "puente.cases.matching.shown"
SHOWN_MAX_AGE = 60 * 60 * 12  # a suggestion list older than a working day must be reloaded


def _cases(user):
    """Cases the user may see: through the cases app's access rules."""
    return visible_cases(user)


def _case_url(case):
    return reverse("cases:detail", args=[case.pk])


class ChooseForm(forms.Form):
    # Active Defenders without a conflict with the case (DefenderChoiceField.for_case).
    defender = DefenderChoiceField(label=gettext_lazy("Defender"))
    note = forms.CharField(
        label=gettext_lazy("Why this Defender"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shown = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case
        self.shown_list: list[dict] = []
        self.fields["defender"].for_case(case)

    def clean_shown(self):
        try:
            data = signing.loads(self.cleaned_data["shown"], salt=SIGNING_SALT, max_age=SHOWN_MAX_AGE)
        except signing.SignatureExpired:
            raise ValidationError(_("These suggestions are out of date; reload them and choose again.")) from None
        except signing.BadSignature:
            raise ValidationError(_("The list of suggestions was altered; reload it and choose again.")) from None
        if data.get("case") != self.case.pk:
            raise ValidationError(_("These suggestions belong to another case; reload them."))
        self.shown_list = data["shown"]
        return self.cleaned_data["shown"]

    def clean(self):
        cleaned = super().clean()
        defender = cleaned.get("defender")
        if defender is None or "shown" not in cleaned:
            return cleaned
        rank = self.rank_of(defender)
        if rank != 1 and not cleaned.get("note", "").strip():
            self.add_error("note", _("Say why you chose a Defender other than the first suggestion."))
        return cleaned

    def rank_of(self, defender):
        return next((s["rank"] for s in self.shown_list if s["defender_id"] == defender.pk), None)


def _panel(request, case, form=None, status=200):
    result = matching.suggest(case)
    shown = signing.dumps({"case": case.pk, "shown": result.shown()}, salt=SIGNING_SALT, compress=True)
    if form is None:
        form = ChooseForm(case=case, initial={"shown": shown})
    else:
        # Re-sign what is displayed now: the panel the user sees again is the new list.
        form.data = form.data.copy()
        form.data["shown"] = shown
    context = {
        "case": case,
        "result": result,
        "shown": shown,
        "form": form,
        "partial": bool(getattr(request, "htmx", False)),
    }
    template = "cases/matching/panel.html" if context["partial"] else "cases/matching/page.html"
    if context["partial"]:
        # htmx 2 does not swap 4xx responses by default: the panel with its errors comes as a 200.
        status = 200
    return render(request, template, context, status=status)


@require_GET
@require_perm("cases.review")
def match_suggestions(request, pk):
    case = get_visible_or_404(_cases(request.user).select_related("client"), pk=pk)
    return _panel(request, case)


@require_POST
@require_perm("cases.review")
def match_choose(request, pk):
    case = get_visible_or_404(_cases(request.user).select_related("client"), pk=pk)
    form = ChooseForm(request.POST, case=case)
    if not form.is_valid():
        return _panel(request, case, form=form, status=400)
    defender = form.cleaned_data["defender"]
    try:
        do_assign_defender(
            case,
            defender,
            acting_user=request.user,
            note=form.cleaned_data["note"].strip(),
            suggestions=form.shown_list,
        )
    except ActionRefused as exc:
        add_refusal(form, exc)
        return _panel(request, case, form=form, status=409)
    messages.success(request, _("%(name)s was chosen for case %(case)s.") % {"name": defender.name, "case": case})
    url = _case_url(case)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_GET
@require_perm("cases.review")
def match_stats(request):
    records = MatchRecord.objects.all()
    total = records.count()
    by_rank = dict(records.order_by().values("chosen_rank").annotate(n=Count("id")).values_list("chosen_rank", "n"))
    followed = by_rank.get(1, 0)
    outside = by_rank.get(None, 0)
    rows = [
        {"rank": rank, "count": n, "share": round(100 * n / total) if total else 0}
        for rank, n in sorted(((r, n) for r, n in by_rank.items() if r is not None))
    ]
    departures = [
        {"record": r, "case_url": _case_url(r.case)}
        for r in records.exclude(chosen_rank=1)
        .select_related("case", "chosen", "chosen_by")
        .order_by("-at", "-pk")[:30]
    ]
    return render(
        request,
        "cases/matching/stats.html",
        {
            "total": total,
            "followed": followed,
            "followed_share": round(100 * followed / total) if total else None,
            "outside": outside,
            "outside_share": round(100 * outside / total) if total else 0,
            "rows": rows,
            "departures": departures,
        },
    )

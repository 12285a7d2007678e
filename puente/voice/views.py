"""The public workers' corner (Spanish first, no account, no JavaScript) and the Coordinators'
moderation queue. Views are thin: a form, an action, a page."""

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from puente.abuse import access as abuse_access
from puente.core.access import get_visible_or_404, public, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal

from . import actions, guard, jobcheck, sms
from .access import moderated_reports, queue, suspected_duplicates
from .forms import AcceptForm, AddForm, CheckForm, DiscardForm, ReportForm, RightsPageForm
from .models import RightsPage

WORKER_LANGUAGES = ("es", "en")


def worker_page(view):
    """Public, and in the language the address names (Spanish unless it says English)."""
    @wraps(view)
    def wrapper(request, lang, *args, **kwargs):
        if lang not in WORKER_LANGUAGES:
            raise Http404
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, lang, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            return response
    return public(wrapper)


def _render(request, lang, template, context, status=200):
    other = "en" if lang == "es" else "es"
    path = request.path.replace(f"/{lang}/", f"/{other}/", 1)
    return render(request, template, {"lang": lang, "other_lang": other, "other_path": path, **context},
                  status=status)


def _guard(request, form) -> bool:
    """Honeypot, challenge and rate limit; errors go on the form. True when the form may go on."""
    if form.cleaned_data.get("website"):
        form.add_error(None, _("This form could not be sent."))
        return False
    if not guard.check_challenge(form.cleaned_data["challenge_token"], form.cleaned_data["challenge_answer"]):
        form.add_error("challenge_answer", _("The answer to the sum is not right. Try the new one."))
        return False
    if guard.over_limit(request.META.get("REMOTE_ADDR", "")):
        form.add_error(None, _("Too many reports from this connection. Try again in a few minutes."))
        return False
    return True


def _with_challenge(form):
    question, token = guard.new_challenge()
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        data["challenge_token"] = token
        data["challenge_answer"] = ""
        form.data = data
    else:
        form.initial["challenge_token"] = token
    return question


@worker_page
def landing(request, lang):
    return _render(request, lang, "voice/landing.html", {})


@worker_page
def check(request, lang):
    form = CheckForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        if guard.over_limit("check|" + request.META.get("REMOTE_ADDR", ""), limit=guard.CHECK_LIMIT):
            form.add_error(None, _("Too many questions from this connection. Try again in a few minutes."))
        else:
            d = form.cleaned_data
            result = jobcheck.answer(d["name"], d["state"], d["work"], d["start"], d["end"])
    return _render(request, lang, "voice/check.html", {"form": form, "result": result})


@worker_page
def report(request, lang):
    form = ReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _guard(request, form):
        try:
            filed = actions.do_submit_report(acting_user=None, data=form.cleaned_data, language=lang)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            return _render(request, lang, "voice/report_done.html", {"code": filed.code})
    question = _with_challenge(form)
    return _render(request, lang, "voice/report.html", {"form": form, "question": question},
                   status=400 if form.is_bound else 200)


@worker_page
def add(request, lang):
    form = AddForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and _guard(request, form):
        try:
            actions.do_add_to_report(acting_user=None, code=form.cleaned_data["code"], text=form.cleaned_data["text"])
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            return _render(request, lang, "voice/add_done.html", {})
    question = _with_challenge(form)
    return _render(request, lang, "voice/add.html", {"form": form, "question": question},
                   status=400 if form.is_bound else 200)


@worker_page
def rights(request, lang):
    pages = RightsPage.objects.order_by("visa")
    return _render(request, lang, "voice/rights.html", {"pages": pages})


@worker_page
def rights_visa(request, lang, visa):
    page = get_visible_or_404(RightsPage.objects.all(), visa=visa)
    body = page.body_es if lang == "es" else page.body_en
    return _render(request, lang, "voice/rights_visa.html", {"page": page, "body": body})


@require_perm("voice.moderate")
def rights_edit(request, visa):
    if visa not in RightsPage.Visa.values:
        raise Http404
    page = RightsPage.objects.filter(visa=visa).first()
    initial = {"body_es": page.body_es, "body_en": page.body_en} if page else {}
    form = RightsPageForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_rights_page(visa, acting_user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The page was saved."))
            return redirect("voice:rights_visa", lang="es", visa=visa)
    return render(request, "voice/rights_edit.html", {"form": form, "visa": RightsPage.Visa(visa).label},
                  status=400 if form.is_bound else 200)


@csrf_exempt  # the provider cannot hold a CSRF token: its signature is checked instead
@require_POST
@public
def twilio_webhook(request):
    adapter = sms.twilio()
    if not adapter.verify(request):
        return HttpResponseForbidden()
    sender, channel, text = adapter.parse(request)
    try:
        reply = actions.do_receive_message(acting_user=None, sender=sender, channel=channel, text=text)
    except ActionRefused as exc:
        reply = exc.text
    body, content_type = adapter.reply(reply)
    return HttpResponse(body, content_type=content_type)


# ------------------------------------------------------------------ Coordinators


@require_perm("voice.moderate")
def moderation(request):
    return render(request, "voice/queue.html", {"reports": queue(request.user)})


def _accept_form(request, report, data=None):
    form = AcceptForm(data, initial={"employer_name": report.employer_name, "programme": report.programme,
                                     "recruiter_names": report.recruiter_name})
    known = abuse_access.visible_recruiters(request.user)
    if report.recruiter_name:
        found = jobcheck.abuse_resolution.resolve_name(report.recruiter_name)
        if found is not None:
            form.initial["recruiters"] = [str(found.pk)]
            form.initial["recruiter_names"] = ""
    form.fields["recruiters"].choices = [(str(r.pk), r.name) for r in known.order_by("name")[:300]]
    return form, known


@require_perm("voice.moderate")
def review(request, pk):
    report = get_visible_or_404(moderated_reports(request.user), pk=pk)
    form, known = _accept_form(request, report, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.do_accept_report(
                report, acting_user=request.user, recruiters=list(known.filter(pk__in=d["recruiters"])),
                recruiter_names=[n.strip() for n in d["recruiter_names"].splitlines() if n.strip()],
                employer_name=d["employer_name"], programme=d["programme"],
            )
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("The report is now an abuse report."))
            return redirect("voice:moderation")
    return render(request, "voice/review.html", {
        "report": report, "form": form, "discard_form": DiscardForm(),
        "duplicates": suspected_duplicates(request.user, report)[:20],
    }, status=400 if form.is_bound else 200)


@require_POST
@require_perm("voice.moderate")
def discard(request, pk):
    report = get_visible_or_404(moderated_reports(request.user), pk=pk)
    form = DiscardForm(request.POST)
    form.is_valid()
    try:
        actions.do_discard_report(report, acting_user=request.user, note=form.cleaned_data.get("note", ""))
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("The report was discarded."))
    return redirect("voice:moderation")

"""Views of the network app: thin; rules live in actions.py, access in access.py."""

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from puente.core.access import get_visible_or_404, public, require_login, require_perm
from puente.core.action_contract import ActionRefused
from puente.core.forms import add_refusal
from puente.core.roles import Role
from puente.core.tabular import attachment

from . import actions, directory_io
from .access import (
    editable_advocates, editable_defenders, manageable_users, visible_advocates, visible_defenders, with_load,
)
from .forms import (AcceptInvitationForm, AccountForm, AdvocateFilterForm, AdvocateForm, ConflictForm, ContactForm,
                    DefenderFilterForm, DefenderForm, ImportForm, InvitationForm, OwnAdvocateForm, OwnDefenderForm)
from .models import Country, Defender, DefenderConflict, DefenderContact, Invitation, Region, User

PAGE_SIZE = 50


def _base_url(request):
    return request.build_absolute_uri("/")


def describe_changes(entry) -> str:
    """A readable line for an audit entry; many-to-many changes (regions, languages) included."""
    parts = []
    for field, change in (entry.changes_dict or {}).items():
        if isinstance(change, dict):  # many-to-many: {"type": "m2m", "operation": "add", "objects": [...]}
            sign = "+" if change.get("operation") == "add" else "−"
            parts.append(f"{field}: {sign} {', '.join(str(o) for o in change.get('objects', []))}")
        elif isinstance(change, (list, tuple)) and len(change) == 2:
            parts.append(f"{field}: {change[0]} → {change[1]}")
    return "; ".join(parts)


def _with_summaries(entries):
    entries = list(entries)
    for entry in entries:
        entry.summary = describe_changes(entry)
    return entries


def _history(obj):
    return _with_summaries(LogEntry.objects.get_for_object(obj).select_related("actor")[:50])


# ---------------------------------------------------------------------------------------------
# Directory: Defenders


@require_perm("directory.view")
def defender_list(request):
    form = DefenderFilterForm(request.GET or None)
    qs = with_load(visible_defenders(request.user)).prefetch_related("regions", "languages")
    if form.is_valid():
        f = form.cleaned_data
        if f["q"]:
            qs = qs.filter(Q(name__icontains=f["q"]) | Q(city__icontains=f["q"]) | Q(email__icontains=f["q"])
                           | Q(users__last_name__icontains=f["q"]) | Q(contacts__name__icontains=f["q"]))
        if f["country"]:
            qs = qs.filter(country=f["country"])
        if f["region"]:
            qs = qs.filter(regions=f["region"])
        if f["language"]:
            qs = qs.filter(languages=f["language"])
        if f["expertise"]:
            qs = qs.filter(expertise=f["expertise"])
        if f["status"]:
            qs = qs.filter(status=f["status"])
        if f["free"]:
            qs = qs.filter(free_capacity__gt=0)
    qs = qs.distinct().order_by("name")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "network/defender_list.html", {
        "form": form, "page": page, "total": page.paginator.count, "query": query.urlencode(),
    })


@require_perm("directory.view")
def defender_detail(request, pk):
    defender = get_visible_or_404(
        with_load(visible_defenders(request.user)).prefetch_related("regions", "languages", "expertise", "contacts",
                                                                    "conflicts", "users"), pk=pk)
    return render(request, "network/defender_detail.html", {
        "defender": defender, "contact_form": ContactForm(), "conflict_form": ConflictForm(),
        "history": _history(defender),
    })


@require_perm("directory.edit")
def defender_create(request):
    form = DefenderForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            defender = actions.do_save_defender(None, acting_user=request.user, data=form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Defender added to the directory."))
            return redirect("network:defender_detail", pk=defender.pk)
    return render(request, "network/defender_form.html", {"form": form, "defender": None})


@require_perm("directory.edit")
def defender_edit(request, pk):
    defender = get_visible_or_404(editable_defenders(request.user), pk=pk)
    form = DefenderForm(request.POST or None, instance=defender)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_defender(defender, acting_user=request.user, data=form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("network:defender_detail", pk=defender.pk)
    return render(request, "network/defender_form.html", {"form": form, "defender": defender})


@require_POST
@require_perm("directory.edit")
def contact_add(request, pk):
    defender = get_visible_or_404(editable_defenders(request.user), pk=pk)
    form = ContactForm(request.POST, instance=DefenderContact(defender=defender))
    if form.is_valid():
        try:
            actions.do_add_contact(defender, acting_user=request.user, data=form.cleaned_data)
        except ActionRefused as exc:
            messages.error(request, _("The contact was not added: %(errors)s") % {"errors": exc.text})
        else:
            messages.success(request, _("Contact added."))
    else:
        messages.error(request, _("The contact was not added: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("network:defender_detail", pk=defender.pk)


@require_POST
@require_perm("directory.edit")
def contact_delete(request, pk, contact_pk):
    defender = get_visible_or_404(editable_defenders(request.user), pk=pk)
    contact = get_visible_or_404(DefenderContact.objects.filter(defender=defender), pk=contact_pk)
    actions.do_remove_contact(contact, acting_user=request.user)
    messages.success(request, _("Contact removed."))
    return redirect("network:defender_detail", pk=defender.pk)


@require_POST
@require_perm("directory.edit")
def conflict_add(request, pk):
    defender = get_visible_or_404(editable_defenders(request.user), pk=pk)
    form = ConflictForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_conflict(defender, acting_user=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            messages.error(request, _("The conflict was not recorded: %(errors)s") % {"errors": exc.text})
        else:
            messages.success(request, _("Conflict of interest recorded."))
    else:
        messages.error(request, _("The conflict was not recorded: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("network:defender_detail", pk=defender.pk)


@require_POST
@require_perm("directory.edit")
def conflict_delete(request, pk, conflict_pk):
    defender = get_visible_or_404(editable_defenders(request.user), pk=pk)
    conflict = get_visible_or_404(DefenderConflict.objects.filter(defender=defender), pk=conflict_pk)
    actions.do_remove_conflict(conflict, acting_user=request.user)
    messages.success(request, _("Conflict of interest removed."))
    return redirect("network:defender_detail", pk=defender.pk)


# ---------------------------------------------------------------------------------------------
# Directory: Advocates


@require_perm("directory.view")
def advocate_list(request):
    form = AdvocateFilterForm(request.GET or None)
    qs = visible_advocates(request.user).prefetch_related("jurisdictions", "languages")
    if form.is_valid():
        f = form.cleaned_data
        if f["q"]:
            qs = qs.filter(Q(organisation__icontains=f["q"]) | Q(user__first_name__icontains=f["q"])
                           | Q(user__last_name__icontains=f["q"]) | Q(user__email__icontains=f["q"]))
        if f["country"]:
            qs = qs.filter(country=f["country"])
        if f["jurisdiction"]:
            qs = qs.filter(jurisdictions=f["jurisdiction"])
        if f["agreement"] == "signed":
            qs = qs.filter(agreement_signed_at__isnull=False)
        elif f["agreement"] == "unsigned":
            qs = qs.filter(agreement_signed_at__isnull=True)
    page = Paginator(qs.distinct(), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "network/advocate_list.html", {
        "form": form, "page": page, "total": page.paginator.count, "query": query.urlencode(),
    })


@require_perm("directory.view")
def advocate_detail(request, pk):
    advocate = get_visible_or_404(visible_advocates(request.user).prefetch_related("jurisdictions", "languages"), pk=pk)
    return render(request, "network/advocate_detail.html", {"advocate": advocate, "history": _history(advocate)})


@require_perm("directory.edit")
def advocate_edit(request, pk):
    advocate = get_visible_or_404(editable_advocates(request.user), pk=pk)
    form = AdvocateForm(request.POST or None, instance=advocate)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_advocate(advocate, acting_user=request.user, data=form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("network:advocate_detail", pk=advocate.pk)
    return render(request, "network/advocate_form.html", {"form": form, "advocate": advocate})


# ---------------------------------------------------------------------------------------------
# Coverage


@require_perm("directory.view")
def coverage(request):
    """Every region with the number of active Defenders serving it; uncovered regions first."""
    active = Q(defenders__status=Defender.Status.ACTIVE)
    regions = list(Region.objects.annotate(active_defenders=Count("defenders", filter=active, distinct=True),
                                           all_defenders=Count("defenders", distinct=True)))
    top = max([r.active_defenders for r in regions] + [1])
    countries = []
    for code, label in Country.choices:
        rows = sorted((r for r in regions if r.country == code), key=lambda r: (r.active_defenders, r.name))
        countries.append({"code": code, "label": label, "regions": rows,
                          "uncovered": sum(1 for r in rows if r.active_defenders == 0)})
    uncovered = sorted((r for r in regions if r.active_defenders == 0), key=lambda r: (r.country, r.name))
    return render(request, "network/coverage.html", {
        "countries": countries, "uncovered": uncovered, "top": top, "total": len(regions),
    })


# ---------------------------------------------------------------------------------------------
# Own profile and account


@require_login
def account(request):
    """Every user's own account: name, phone, language of the interface."""
    form = AccountForm(request.POST or None, instance=request.user, prefix="account")
    if request.method == "POST" and form.is_valid():
        actions.do_update_account(request.user, acting_user=request.user, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect("network:account")
    return render(request, "network/account.html", {"form": form})


@require_perm("profile.edit_own")
def my_profile(request):
    """A Defender's own directory entry, or an Advocate's own profile, with the account."""
    user = request.user
    account_form = AccountForm(request.POST or None, instance=user, prefix="account")
    if user.role == Role.DEFENDER:
        instance = get_visible_or_404(editable_defenders(user), pk=user.defender_id)
        form = OwnDefenderForm(request.POST or None, instance=instance, prefix="profile")
        save = actions.do_update_own_defender_profile
    else:
        instance = get_visible_or_404(editable_advocates(user), user=user)
        form = OwnAdvocateForm(request.POST or None, instance=instance, prefix="profile")
        save = actions.do_update_own_advocate_profile
    if request.method == "POST" and form.is_valid() and account_form.is_valid():
        try:
            save(acting_user=user, data=form.cleaned_data)
            actions.do_update_account(user, acting_user=user, data=account_form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            translation.activate(account_form.cleaned_data["language"])
            messages.success(request, _("Your profile has been saved."))
            return redirect("network:my_profile")
    return render(request, "network/my_profile.html", {"form": form, "account_form": account_form,
                                                       "profile": instance})


@require_POST
@require_login
def set_language(request):
    """The footer's language switch for a signed-in user: it changes the account's language (which
    the interface follows on every device), not only a cookie."""
    language = request.POST.get("language", "")
    if language in ("es", "en") and language != request.user.language:
        actions.do_update_account(request.user, acting_user=request.user, data={"language": language})
    target = request.POST.get("next", "")
    # Only a path on this site ("abc" or a NUL byte would make redirect() look up a view: a 500).
    if not target.startswith("/") or "\x00" in target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("home")
    return HttpResponseRedirect(target)


# ---------------------------------------------------------------------------------------------
# Accounts and invitations


@require_perm("accounts.invite")
def invite(request):
    initial = {}
    if request.GET.get("defender"):
        initial = {"role": Role.DEFENDER, "defender": request.GET["defender"]}
    form = InvitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = actions.do_invite(acting_user=request.user, base_url=_base_url(request), **form.cleaned_data)
        except ActionRefused as exc:
            add_refusal(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.user.email})
            return redirect("network:accounts")
    return render(request, "network/invite.html", {"form": form})


@require_perm("accounts.manage")
def accounts(request):
    q = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    qs = User.objects.select_related("defender").prefetch_related(
        Prefetch("invitations", queryset=Invitation.objects.order_by("-created_at"))
    ).order_by("role", "last_name", "first_name")
    if q:
        qs = qs.filter(Q(email__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q))
    if role in Role.values:
        qs = qs.filter(role=role)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "network/accounts.html", {"page": page, "q": q, "role": role, "roles": Role.choices})


@require_POST
@require_perm("accounts.manage")
def account_deactivate(request, pk):
    target = get_visible_or_404(manageable_users(request.user), pk=pk)
    actions.do_deactivate_account(target, acting_user=request.user)
    messages.success(request, _("%(email)s can no longer log in.") % {"email": target.email})
    return redirect("network:accounts")


@require_POST
@require_perm("accounts.manage")
def account_reactivate(request, pk):
    target = get_visible_or_404(manageable_users(request.user), pk=pk)
    actions.do_reactivate_account(target, acting_user=request.user)
    messages.success(request, _("%(email)s can log in again.") % {"email": target.email})
    return redirect("network:accounts")


@require_POST
@require_perm("accounts.invite")
def invitation_resend(request, pk):
    target = get_visible_or_404(manageable_users(request.user), pk=pk)
    try:
        actions.do_resend_invitation(target, acting_user=request.user, base_url=_base_url(request))
    except ActionRefused as exc:
        messages.error(request, exc.text)
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": target.email})
    return redirect("network:accounts")


INVITATION_SESSION_KEY = "_puente_invitation_token"
TOKEN_PLACEHOLDER = "set-password"  # noqa: S105 - a path segment standing in for the token, not a secret


@public
def accept_invitation(request, uidb64, token):
    """The invitation link: set a password and land logged in.

    As Django's password reset does, the token moves from the URL to the session at once, so that
    it never leaks through a Referer header or the browser history.
    """
    if token != TOKEN_PLACEHOLDER:
        request.session[INVITATION_SESSION_KEY] = token
        return redirect(reverse("network:accept_invitation", kwargs={"uidb64": uidb64, "token": TOKEN_PLACEHOLDER}))
    invitation = actions.invitation_from_link(uidb64, request.session.get(INVITATION_SESSION_KEY, ""))
    if invitation is None:
        return render(request, "network/invitation_invalid.html", status=404)
    form = AcceptInvitationForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = actions.do_accept_invitation(invitation, acting_user=None, password=form.cleaned_data["new_password1"])
        request.session.pop(INVITATION_SESSION_KEY, None)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome to Puente. Your password is set."))
        return redirect("home")
    return render(request, "network/accept_invitation.html", {"form": form, "invitee": invitation.user})


# ---------------------------------------------------------------------------------------------
# Import / export and audit history


@require_perm("directory.import_export")
def import_directory(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            sheets = directory_io.read_file(upload.name, upload.read())
            result = actions.do_import_directory(sheets, acting_user=request.user)
        except directory_io.ImportFailed as exc:
            errors = exc.errors
        else:
            messages.success(request, _("Import done: %(dc)s Defenders created, %(du)s updated; "
                                        "%(ac)s Advocates created, %(au)s updated.") % {
                "dc": result.created["defenders"], "du": result.updated["defenders"],
                "ac": result.created["advocates"], "au": result.updated["advocates"]})
            return redirect("network:import")
    return render(request, "network/import.html", {"form": form, "errors": errors})


@require_perm("directory.import_export")
def export_directory(request):
    fmt = request.GET.get("format", "xlsx")
    kind = request.GET.get("kind", "defenders")
    if fmt == "csv":
        if kind not in ("defenders", "advocates"):
            raise Http404
        response = HttpResponse(directory_io.export_csv(kind), content_type="text/csv; charset=utf-8")
        return attachment(response, f"puente-{kind}.csv")
    elif fmt == "xlsx":
        response = HttpResponse(
            directory_io.export_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        return attachment(response, "puente-directory.xlsx")
    raise Http404


@require_perm("audit.view")
def audit(request):
    """Changes to people, organisations and access, newest first."""
    models = ["user", "defender", "defendercontact", "defenderconflict", "advocate", "invitation"]
    types = ContentType.objects.filter(app_label="network", model__in=models)
    qs = LogEntry.objects.filter(content_type__in=types).select_related("actor", "content_type").order_by("-timestamp")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_summaries(page.object_list)
    return render(request, "network/audit.html", {"page": page})



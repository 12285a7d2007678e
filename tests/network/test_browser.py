"""Through a real browser (Playwright driving Debian's chromium): a Defender logs in and edits its own
profile in Spanish; a Defender cannot open another Defender's edit page; a Coordinator logs in
with a TOTP code."""

import time

import pytest

from puente.network.models import Defender
from tests.factories import PASSWORD, make_defender_org, make_defender_user

pytestmark = [pytest.mark.browser]


def fresh_totp(secret) -> str:
    """The current TOTP code, taken where it stays valid while the page submits it: a code read in
    the last seconds of its 30-second window expires before the server checks it (allauth allows
    no drift), which made the sign-in, and the test, fail now and then."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    while 30 - time.time() % 30 < 5:
        time.sleep(0.25)  # real seconds: a live server checks the code against the real clock
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def log_in(page, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.press("input[name=password]", "Enter")


@pytest.fixture
def defenders(transactional_db):
    mine = make_defender_org(name="Colectivo Mam por la Justicia Laboral", country="GT", regions=("GT-13",))
    other = make_defender_org(name="Defensoría Popular Zapoteca", country="MX", regions=("MX-OAX",),
                              languages=("spa", "zap"))
    return make_defender_user(mine, email="juan.tzoc@example.org"), make_defender_user(other, email="rosa@example.org")


def test_defender_edits_own_profile_in_spanish(page, defenders):
    user, _ = defenders
    log_in(page, user.email)
    page.goto("/network/me/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("h1").inner_text() == "Mi perfil"
    assert page.get_by_role("link", name="Salir").count() + page.get_by_role("button", name="Salir").count() == 1
    page.fill("textarea[name='profile-bio']", "Atendemos en mam y q'anjob'al en toda la Sierra de los Cuchumatanes.")
    page.fill("input[name='profile-capacity']", "7")
    page.get_by_label("San Marcos (GT)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Guardar").click()
    assert "Se guardó su perfil" in page.content()
    defender = Defender.objects.get(pk=user.defender_id)
    assert defender.bio.startswith("Atendemos en mam") and defender.capacity == 7
    assert set(defender.regions.values_list("code", flat=True)) == {"GT-13", "GT-12"}
    # After reloading, the page shows what was saved.
    page.reload()
    assert page.input_value("input[name='profile-capacity']") == "7"


def test_defender_cannot_open_another_defenders_edit_page(page, defenders):
    user, other = defenders
    log_in(page, user.email)
    for path in (f"/network/defenders/{other.defender_id}/edit/", f"/network/defenders/{other.defender_id}/"):
        response = page.goto(path)
        assert response.status in (403, 404)
        html = page.content()
        assert "Defensoría Popular Zapoteca" not in html and "rosa@example.org" not in html
        assert "Sin acceso" in html or "No encontrado" in html
    # Their own profile page is about them alone.
    page.goto("/network/me/")
    assert "Colectivo Mam" in page.content() and "Zapoteca" not in page.content()


def test_coordinator_logs_in_with_totp(page, transactional_db):

    from tests.factories import enable_totp, make_user

    coordinator = make_user("coordinator", email="lucia@example.org", first_name="Lucía", last_name="Ramírez")
    secret = enable_totp(coordinator)
    make_defender_org(name="Colectivo Mam", country="GT", regions=("GT-13",))
    log_in(page, coordinator.email)
    assert "/accounts/2fa/authenticate/" in page.url
    page.fill("input[name=code]", fresh_totp(secret))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    assert "/accounts/" not in page.url
    response = page.goto("/network/coverage/")
    assert response.status == 200
    assert page.locator("#uncovered").count() == 1
    assert page.locator("tr[data-region='GT-13']").count() == 1


def test_wrong_totp_code_is_refused(page, transactional_db):
    from tests.factories import enable_totp, make_user

    coordinator = make_user("coordinator", email="marta@example.org", first_name="Marta", last_name="Chávez")
    enable_totp(coordinator)
    log_in(page, coordinator.email)
    page.fill("input[name=code]", "000000")
    page.press("input[name=code]", "Enter")
    page.wait_for_load_state()
    page.goto("/network/defenders/")
    # Still not logged in: sent back to the login or the code page, never to the directory.
    assert "/accounts/" in page.url and "/network/defenders/" not in page.url
    assert "Colectivo" not in page.content()




def test_invitation_from_form_to_first_login(page, new_page, transactional_db, live_server, settings):
    """A Coordinator invites a Defender through the form; the invitee follows the emailed link, sets
    a password and lands logged in, in Spanish."""
    settings.PUENTE_BASE_URL = live_server.url  # emails carry absolute links built from it
    import re

    from django.core import mail

    from tests.factories import enable_totp, make_user

    coordinator = make_user("coordinator", email="andres@example.org", first_name="Andrés", last_name="Velásquez")
    secret = enable_totp(coordinator)
    org = make_defender_org(name="Asociación Ixil de Desarrollo", country="GT", regions=("GT-14",))
    log_in(page, coordinator.email)
    page.fill("input[name=code]", fresh_totp(secret))
    with page.expect_navigation():
        page.press("input[name=code]", "Enter")
    page.goto("/network/accounts/invite/")
    page.select_option("#id_role", "advocate")
    assert page.locator("#id_organisation").is_visible() and not page.locator("#id_defender").is_visible()
    page.select_option("#id_role", "defender")
    assert page.locator("#id_defender").is_visible() and not page.locator("#id_organisation").is_visible()
    page.fill("#id_email", "ixil.nueva@example.org")
    page.fill("#id_first_name", "Magdalena")
    page.fill("#id_last_name", "Brito Cobo")
    page.select_option("#id_defender", str(org.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "ixil.nueva@example.org" in page.content()

    link = re.search(r"https?://\S+/network/invitation/\S+/", mail.outbox[-1].body).group(0)
    invitee = new_page(locale="en-US")
    invitee.goto(link)
    assert "set-password" in invitee.url  # the token left the address bar
    invitee.fill("input[name=new_password1]", "cumbre-nebaj-4821")
    invitee.fill("input[name=new_password2]", "cumbre-nebaj-4821")
    with invitee.expect_navigation():
        invitee.press("input[name=new_password2]", "Enter")
    invitee.goto("/network/me/")
    assert invitee.locator("h1").inner_text() == "Mi perfil"
    assert "Asociación Ixil de Desarrollo" in invitee.content()

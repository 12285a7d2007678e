"""'Is this job offer real?' on a 360 px phone without JavaScript, over DOL-shaped files imported
by the visas app: a certified employer, a debarred one, a name with no match."""

from pathlib import Path

import pytest

from puente.visas import actions as visas_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIXTURES = Path(__file__).resolve().parent.parent / "visas" / "fixtures"


def test_job_check_on_a_phone(browser, live_server):
    visas_actions.do_import_file(FIXTURES / "H-2A_FY2012_small.csv", acting_user=None)
    visas_actions.do_import_debarments(FIXTURES / "debarments_small.csv", acting_user=None)
    context = browser.new_context(base_url=live_server.url, locale="es-MX", java_script_enabled=False,
                                  viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(15_000)

    def ask(name, state=""):
        page.goto("/trabajadores/es/oferta/")
        page.fill("#id_name", name)
        if state:
            page.select_option("#id_state", state)
        page.get_by_role("button", name="Revisar").click()
        page.wait_for_load_state()
        return page.inner_text("#answer")

    certified = ask("North Carolina Growers", "NC")
    assert "aprobó" in certified and "trabajadores H-2A" in certified and "pasaporte" in certified
    debarred = ask("Smith Farms")
    assert "sancionado" in debarred
    nothing = ask("Hongos Fantasma de Pensilvania", "PA")
    assert "No encontramos" in nothing and "no puede saber" in nothing
    context.close()

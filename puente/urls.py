from django.urls import include, path

from puente.core import views as core_views
from puente.jobs import views as job_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("health/", job_views.health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("network/", include("puente.network.urls")),
    path("cases/", include("puente.cases.urls")),
    path("billing/", include("puente.billing.urls")),
    path("people/", include("puente.locate.urls")),
    path("abuse/", include("puente.abuse.urls")),
    path("trabajadores/", include("puente.voice.urls")),
    path("visas/", include("puente.visas.urls")),
    path("core/", include("puente.core.urls")),
    path("api/v1/", include("puente.api.urls")),
    path("account/tokens/", include("puente.api.urls_account")),
    path("jobs/", include("puente.jobs.urls")),
]

handler403 = "puente.core.errors.forbidden"
handler404 = "puente.core.errors.not_found"

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .endpoints import abuse, billing, cases, directory, people, visas
from .views_docs import DocsView, SchemaView

app_name = "api"

router = SimpleRouter()
router.register("visas/employers", visas.EmployerViewSet, basename="visa-employer")
router.register("directory/defenders", directory.DefenderViewSet, basename="defender")
router.register("directory/advocates", directory.AdvocateViewSet, basename="advocate")
router.register("cases", cases.CaseViewSet, basename="case")
router.register("tasks", cases.TaskViewSet, basename="task")
router.register("attachments", cases.AttachmentView, basename="attachment")
router.register("billing/reports", billing.ReportViewSet, basename="time-report")
router.register("billing/invoices", billing.InvoiceViewSet, basename="invoice")
router.register("billing/payments", billing.PaymentViewSet, basename="payment")
router.register("people", people.PersonViewSet, basename="person")
router.register("reunification/projects", people.ProjectViewSet, basename="project")
router.register("reunification/entries", people.EntryViewSet, basename="entry")
router.register("abuse/reports", abuse.ReportViewSet, basename="abuse-report")
router.register("abuse/recruiters", abuse.RecruiterViewSet, basename="recruiter")

urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("visas/years/", visas.YearsView.as_view(), name="visa-years"),
    path("visas/statistics/", visas.StatisticsView.as_view(), name="visa-statistics"),
    path("people/search/", people.SearchView.as_view(), name="person-search"),
    path("people/pfif/", people.PfifExportView.as_view(), name="pfif-export"),
    path("people/pfif/import/", people.PfifImportView.as_view(), name="pfif-import"),
    path("", include(router.urls)),
]

from django.urls import path

from . import views

app_name = "abuse"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/case/", views.report_link_case, name="report_link_case"),
    path("reports/<int:pk>/incidents/", views.incident_add, name="incident_add"),
    path("reports/<int:pk>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("reports/<int:pk>/evidence/<int:file_pk>/", views.evidence_download, name="evidence_download"),
    path("recruiters/", views.recruiter_list, name="recruiter_list"),
    path("recruiters/new/", views.recruiter_new, name="recruiter_new"),
    path("recruiters/<int:pk>/", views.recruiter_detail, name="recruiter_detail"),
    path("recruiters/<int:pk>/edit/", views.recruiter_edit, name="recruiter_edit"),
    path("recruiters/<int:pk>/aliases/", views.recruiter_alias_add, name="recruiter_alias_add"),
    path("recruiters/<int:pk>/phones/", views.recruiter_phone_add, name="recruiter_phone_add"),
    path("recruiters/<int:pk>/employers/", views.recruiter_employer_add, name="recruiter_employer_add"),
    path("recruiters/<int:pk>/conflicts/", views.conflict_add, name="conflict_add"),
    path("recruiters/<int:pk>/dossier/", views.dossier, name="dossier"),
    path("recruiters/<int:pk>/dossier.csv", views.dossier_csv_view, name="dossier_csv"),
    path("recruiters/<int:pk>/dossier.pdf", views.dossier_pdf_view, name="dossier_pdf"),
    path("review/", views.review, name="review"),
    path("review/run/", views.resolution_run, name="resolution_run"),
    path("review/candidates/<int:pk>/", views.candidate_decide, name="candidate_decide"),
    path("review/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("patterns/", views.pattern_overview, name="patterns"),
]

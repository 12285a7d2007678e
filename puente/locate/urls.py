from django.urls import path

from . import views

app_name = "locate"

urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.person_new, name="person_new"),
    path("likely/", views.likely_matches, name="likely_matches"),
    path("<int:pk>/", views.person_detail, name="person_detail"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/consents/", views.consent_add, name="consent_add"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("import/", views.import_people, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("reviews/<int:pk>/", views.review_decide, name="review_decide"),
    path("reunification/", views.projects, name="projects"),
    path("reunification/new/", views.project_new, name="project_new"),
    path("reunification/<int:pk>/", views.project_detail, name="project_detail"),
    path("reunification/<int:pk>/add/", views.project_add_person, name="project_add_person"),
    path("reunification/<int:pk>/report.csv", views.project_report_csv, name="project_report_csv"),
    path("reunification/<int:pk>/report.pdf", views.project_report_pdf, name="project_report_pdf"),
    path("find/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("find/<int:pk>/assign/", views.entry_assign, name="entry_assign"),
    path("find/<int:pk>/attempt/", views.entry_attempt, name="entry_attempt"),
    path("find/<int:pk>/status/", views.entry_status, name="entry_status"),
    path("find/<int:pk>/preference/", views.entry_preference, name="entry_preference"),
]

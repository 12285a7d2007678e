from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.my_jobs, name="mine"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/retry/", views.retry, name="retry"),
    path("<int:pk>/download/", views.download, name="download"),
    path("start/visas-import/", views.start_visas_import, name="start_visas_import"),
    path("start/visas-resolve/", views.start_visas_resolve, name="start_visas_resolve"),
    path("start/recruiter-resolve/", views.start_recruiter_resolve, name="start_recruiter_resolve"),
    path("start/directory-import/", views.start_directory_import, name="start_directory_import"),
    path("start/project-report/<int:project_pk>/", views.start_project_report, name="start_project_report"),
]

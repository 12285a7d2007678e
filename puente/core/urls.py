from django.urls import path

from . import audit_views, views

app_name = "core"

urlpatterns: list = [
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/<int:pk>/version/", audit_views.audit_version, name="audit_version"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/user/<int:user_id>/", views.user_sessions, name="user_sessions"),
    path("sessions/<int:session_id>/end/", views.end_session, name="end_session"),
    path("sessions/user/<int:user_id>/end-all/", views.end_user_sessions, name="end_user_sessions"),
    path("accounts/<int:user_id>/deactivate/", views.deactivate_user, name="deactivate_user"),
    path("accounts/<int:user_id>/reactivate/", views.reactivate_user, name="reactivate_user"),
    path("retention/", views.retention_overview, name="retention"),
    path("retention/legal-hold/<int:case_id>/", views.legal_hold, name="legal_hold"),
]

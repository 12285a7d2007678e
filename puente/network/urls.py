from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("defenders/", views.defender_list, name="defender_list"),
    path("defenders/new/", views.defender_create, name="defender_create"),
    path("defenders/<int:pk>/", views.defender_detail, name="defender_detail"),
    path("defenders/<int:pk>/edit/", views.defender_edit, name="defender_edit"),
    path("defenders/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("defenders/<int:pk>/contacts/<int:contact_pk>/delete/", views.contact_delete, name="contact_delete"),
    path("defenders/<int:pk>/conflicts/", views.conflict_add, name="conflict_add"),
    path("defenders/<int:pk>/conflicts/<int:conflict_pk>/delete/", views.conflict_delete, name="conflict_delete"),
    path("advocates/", views.advocate_list, name="advocate_list"),
    path("advocates/<int:pk>/", views.advocate_detail, name="advocate_detail"),
    path("advocates/<int:pk>/edit/", views.advocate_edit, name="advocate_edit"),
    path("coverage/", views.coverage, name="coverage"),
    path("me/", views.my_profile, name="my_profile"),
    path("account/", views.account, name="account"),
    path("account/language/", views.set_language, name="set_language"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/invite/", views.invite, name="invite"),
    path("accounts/<int:pk>/deactivate/", views.account_deactivate, name="account_deactivate"),
    path("accounts/<int:pk>/reactivate/", views.account_reactivate, name="account_reactivate"),
    path("accounts/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("invitation/<uidb64>/<token>/", views.accept_invitation, name="accept_invitation"),
    path("import/", views.import_directory, name="import"),
    path("export/", views.export_directory, name="export"),
    path("audit/", views.audit, name="audit"),
]

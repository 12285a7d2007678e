from django.urls import include, path

from . import views

app_name = "cases"

urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("mine/", views.my_cases, name="my_cases"),
    path("assignments/", views.my_assignments, name="my_assignments"),
    path("notifications/", views.notifications, name="notifications"),
    path("new/", views.request_new, name="request_new"),
    path("agreement/", views.agreement, name="agreement"),
    path("figures/", views.program_figures, name="figures"),
    path("figures.csv", views.program_figures_csv, name="figures_csv"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/hold/", views.hold, name="hold"),
    path("<int:pk>/resume/", views.resume, name="resume"),
    path("<int:pk>/notes/", views.note_add, name="note_add"),
    path("<int:pk>/ask/", views.request_info, name="request_info"),
    path("<int:pk>/answer/", views.answer_info, name="answer_info"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/defender/", views.change_defender, name="change_defender"),
    path("<int:pk>/contract/", views.contract_view, name="contract"),
    path("<int:pk>/contract/sign/", views.contract_sign, name="contract_sign"),
    path("<int:pk>/contract/edit/", views.contract_edit, name="contract_edit"),
    path("<int:pk>/contract/terms/", views.contract_terms, name="contract_terms"),
    path("<int:pk>/contract/diff/", views.contract_diff, name="contract_diff"),
    path("<int:pk>/contract.pdf", views.contract_pdf, name="contract_pdf"),
    path("<int:pk>/tasks/<int:task_pk>/", views.task_update, name="task_update"),
    path("<int:pk>/messages/", views.message_post, name="message_post"),
    path("<int:pk>/attachments/<int:att_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    # Matching's routes (suggestions panel, choose) live in urls_matching.py, written by matching.
    path("", include("puente.cases.urls_matching")),
]

from django.urls import path

from . import views

app_name = "voice"

urlpatterns = [
    path("sms/twilio/", views.twilio_webhook, name="twilio_webhook"),
    path("revision/derechos/<str:visa>/", views.rights_edit, name="rights_edit"),
    path("revision/", views.moderation, name="moderation"),
    path("revision/<int:pk>/", views.review, name="review"),
    path("revision/<int:pk>/descartar/", views.discard, name="discard"),
    path("<str:lang>/", views.landing, name="landing"),
    path("<str:lang>/oferta/", views.check, name="check"),
    path("<str:lang>/denuncia/", views.report, name="report"),
    path("<str:lang>/agregar/", views.add, name="add"),
    path("<str:lang>/derechos/", views.rights, name="rights"),
    path("<str:lang>/derechos/<str:visa>/", views.rights_visa, name="rights_visa"),
]

from django.urls import include, path

from . import views

app_name = "cases"

urlpatterns: list = [
    # Matching's routes (suggestions panel, choose) live in urls_matching.py, written by matching.
    path("", include("puente.cases.urls_matching")),
]

from django.urls import path

from . import views_matching

# Included by puente/cases/urls.py, so these names live in the "cases" namespace.
urlpatterns: list = [
    path("<int:pk>/matching/", views_matching.match_suggestions, name="match_suggestions"),
    path("<int:pk>/matching/choose/", views_matching.match_choose, name="match_choose"),
    path("matching/stats/", views_matching.match_stats, name="match_stats"),
]

from django.urls import path

from . import views

app_name = "visas"

urlpatterns = [
    path("", views.search, name="search"),
    path("employers/<int:pk>/", views.employer, name="employer"),
    path("agents/<int:pk>/", views.agent, name="agent"),
    path("statistics/", views.statistics, name="stats"),
    path("cases/<int:case_pk>/employer-history/", views.case_employer_history, name="case_employer_history"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:pk>/decide/", views.review_decide, name="review_decide"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("agent-reviews/", views.agent_reviews, name="agent_reviews"),
    path("agent-reviews/<int:pk>/decide/", views.agent_review_decide, name="agent_review_decide"),
    path("agent-merges/<int:pk>/undo/", views.agent_merge_undo, name="agent_merge_undo"),
]

from django.urls import path

from . import views

app_name = "evaluation"
urlpatterns = [
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard"),
    path("weights/", views.weights, name="weights"),
]

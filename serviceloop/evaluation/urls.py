from django.urls import path

from . import views, views_recognition

app_name = "evaluation"
urlpatterns = [
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/<int:pk>/", views.scorecard_detail, name="scorecard"),
    path("weights/", views.weights, name="weights"),
    path("grades/", views_recognition.grades, name="grades"),
    path("grades/rule/", views_recognition.grade_rules, name="grade-rules"),
    path("managers/<int:pk>/", views_recognition.manager, name="manager"),
    path("stars/", views_recognition.stars, name="stars"),
    path("stars/rules/", views_recognition.star_rules, name="star-rules"),
    path("stars/<int:pk>/", views_recognition.star, name="star"),
]

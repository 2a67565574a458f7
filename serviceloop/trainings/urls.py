from django.urls import path

from . import views, views_public

app_name = "trainings"
urlpatterns = [
    path("", views.sessions, name="sessions"),
    path("export/", views.sessions_export, name="sessions-export"),
    path("new/", views.session_create, name="session-create"),
    path("<int:pk>/", views.session_detail, name="session"),
    path("<int:pk>/edit/", views.session_edit, name="session-edit"),
    path("<int:pk>/invite/", views.session_invite, name="session-invite"),
    path("<int:pk>/attendance/", views.session_attendance, name="session-attendance"),
    path("<int:pk>/step/", views.session_step, name="session-step"),
    path("<int:pk>/feedback/", views.session_feedback, name="session-feedback"),
    path("<int:pk>/door/", views.session_door, name="session-door"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage-export"),
    path("topics/", views.topics, name="topics"),
    path("topics/new/", views.topic_edit, name="topic-create"),
    path("topics/<int:pk>/", views.topic_edit, name="topic-edit"),
    # Public, no login: the check-in page the door's QR code opens.
    path("checkin/<str:code>/", views_public.checkin_page, name="checkin"),
]

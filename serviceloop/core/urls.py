from django.contrib.auth import views as auth_views
from django.urls import path

from . import views, views_account, views_work

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="core/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views_account.PasswordChangeView.as_view(), name="password-change"),
    path("audit/", views.audit, name="audit"),
    path("work/", views_work.work_list, name="work-list"),
    path("work/<int:pk>/", views_work.work_detail, name="work"),
    path("work/<int:pk>/download/", views_work.work_download, name="work-download"),
]

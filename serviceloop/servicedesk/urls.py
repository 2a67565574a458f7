from django.urls import path

from . import views

app_name = "servicedesk"
urlpatterns = [
    path("", views.tasks, name="tasks"),
    path("new/", views.intake, name="new"),
    path("shops/", views.shop_search, name="shop-search"),
    path("shops/<int:pk>/", views.shop_context, name="shop-context"),
    path("shops/<int:pk>/panel/", views.shop_panel, name="shop-panel"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger/export/", views.ledger_export, name="ledger-export"),
    path("board/", views.board, name="board"),
    path("kpis/", views.kpis, name="kpis"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications-read"),
    path("notifications/bell/", views.bell, name="bell"),
    path("holidays/", views.holidays, name="holidays"),
    path("holidays/export/", views.holidays_export, name="holidays-export"),
    path("holidays/<int:pk>/delete/", views.holiday_delete, name="holiday-delete"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]

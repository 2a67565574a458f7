from django.urls import path

from . import views

app_name = "integrations"
urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("subscriptions/", views.subscriptions, name="subscriptions"),
    path("subscriptions/new/", views.subscription_edit, name="subscription-create"),
    path("subscriptions/<int:pk>/", views.subscription_edit, name="subscription-edit"),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("subscriptions/<int:pk>/test/", views.subscription_test, name="subscription-test"),
    path("subscriptions/<int:pk>/delete/", views.subscription_delete, name="subscription-delete"),
    path("deliveries/<int:pk>/resend/", views.delivery_resend, name="delivery-resend"),
]

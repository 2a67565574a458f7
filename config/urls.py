from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Docs for signed-in staff (others are sent to the log-in page); swagger-ui from the installed sidecar, its
    # start-up script a separate file (?script) so that the Content-Security-Policy needs no inline script.
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("api/v1/", include("config.api_urls")),
    path("", include("serviceloop.core.urls")),
    path("org/", include("serviceloop.org.urls")),
    path("customers/", include("serviceloop.customers.urls")),
    path("servicedesk/", include("serviceloop.servicedesk.urls")),
    path("tags/", include("serviceloop.tags.urls")),
    path("visits/", include("serviceloop.visits.urls")),
    path("", include("serviceloop.surveys.urls")),
    path("", include("serviceloop.portal.urls")),
    path("allocation/", include("serviceloop.growth.urls")),
]

handler400 = "serviceloop.core.errors.bad_request"
handler403 = "serviceloop.core.errors.permission_denied"
handler404 = "serviceloop.core.errors.page_not_found"
handler500 = "serviceloop.core.errors.server_error"

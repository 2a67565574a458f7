from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.utils.module_loading import import_string


def on_first_request(view_class: str, **initkwargs):
    """The class-based view ``view_class``, imported when first asked for: drf-spectacular's schema machinery
    (0.1 s and 4 MB) need not load in every worker and command for two pages developers open."""
    view = None

    def lazy_view(request, *args, **kwargs):
        nonlocal view
        if view is None:
            view = import_string(view_class).as_view(**initkwargs)
        return view(request, *args, **kwargs)

    lazy_view.csrf_exempt = True  # as DRF's own views, which check CSRF for session-authenticated requests
    return lazy_view


urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", on_first_request("drf_spectacular.views.SpectacularAPIView"), name="api-schema"),
    # Docs for signed-in staff (others are sent to the log-in page); swagger-ui from the installed sidecar, its
    # start-up script a separate file (?script) so that the Content-Security-Policy needs no inline script.
    path(
        "api/docs/",
        login_required(
            on_first_request("drf_spectacular.views.SpectacularSwaggerSplitView", url_name="api-schema")
        ),
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
    # Before the portal's: its QR page pattern takes any text up to the last slash as a token.
    path("", include("serviceloop.guidance.public_urls")),
    path("", include("serviceloop.portal.urls")),
    path("allocation/", include("serviceloop.growth.urls")),
    path("trade/", include("serviceloop.trade.urls")),
    path("integrations/", include("serviceloop.integrations.urls")),
    path("kpis/", include("serviceloop.kpis.urls")),
    path("evaluation/", include("serviceloop.evaluation.urls")),
    path("supervision/", include("serviceloop.supervision.urls")),
    path("reviews/", include("serviceloop.reviews.urls")),
    path("guidance/", include("serviceloop.guidance.urls")),
    path("trainings/", include("serviceloop.trainings.urls")),
]

handler400 = "serviceloop.core.errors.bad_request"
handler403 = "serviceloop.core.errors.permission_denied"
handler404 = "serviceloop.core.errors.page_not_found"
handler500 = "serviceloop.core.errors.server_error"

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core import views as core_views
from settlement.api import urls as settlement_api

admin.site.site_header = "医保管理系统 · 管理后台"
admin.site.site_title = "医保管理系统"
admin.site.index_title = "系统管理"

# /api/v1/: each app contributes its own api/urls.py here as it gains endpoints.
api_v1 = [
    path("", include("core.api.urls")),
    path("insured/", include("insured.api.urls")),
    path("catalog/", include("drug_catalog.api.urls")),
    path("diagnoses/", include("diagnoses.api.urls")),
    path("prescriptions/", include("prescriptions.api.urls")),
    path("admissions/", include(settlement_api.stay_urlpatterns)),
    path("admissions/", include("admission.api.urls")),
    path("settlements/", include(settlement_api.settlement_urlpatterns)),
    path("outpatient/visits/", include(settlement_api.outpatient_urlpatterns)),
    path("settlement/", include("settlement.api.urls")),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("home/<str:role>/", core_views.role_home, name="role_home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("insured/", include("insured.urls")),
    path("settlement/", include("settlement.urls")),
    path("prescriptions/", include("prescriptions.urls")),
    path("admission/", include("admission.urls")),
    path("fees/", include("fees.urls")),
    path("catalog/", include("drug_catalog.urls")),
    path("audit/", include("audit.urls")),
    path("sync/", include("sync.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI from drf-spectacular-sidecar (vendored), its init script served as a file for the CSP.
    # No Redoc: its page loads web fonts from the internet, which the hospital intranet does not reach.
    path(
        "api/docs/", login_required(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="swagger-ui"
    ),
]

handler400 = "core.views.handler400"
handler403 = "core.views.handler403"
handler404 = "core.views.handler404"
handler500 = "core.views.handler500"

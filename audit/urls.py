from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/notice/", views.finding_notice, name="notice"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/resume/", views.job_resume, name="job_resume"),
    path("stays/<int:pk>/check/", views.stay_check, name="stay_check"),
    path("points/", views.points, name="points"),
    path("my-points/", views.my_points, name="my_points"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators.xlsx", views.indicators_export, name="indicators_export"),
]

from django.urls import path

from . import views

app_name = "statistics"
urlpatterns = [
    path("statistics/", views.edition, name="edition"),
    path("statistics/export/", views.export, name="export"),
    path("statistics/region/<slug:code>/", views.region, name="region"),
    path("statistics/region/<slug:code>/export/", views.region_export, name="region_export"),
]

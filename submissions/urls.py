from django.urls import path

from . import views

app_name = "submissions"
urlpatterns = [
    path("entries/", views.my_entries, name="mine"),
    path("entries/new/", views.entry_create, name="create"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/edit/", views.entry_edit, name="edit"),
    path("entries/<int:pk>/submit/", views.entry_submit, name="submit"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="withdraw"),
    path("entries/<int:pk>/status/", views.film_status, name="film_status"),
    path("entries/<int:pk>/film/", views.film_file, {"kind": "original"}, name="film_original"),
    path("entries/<int:pk>/preview/", views.film_file, {"kind": "preview"}, name="film_preview"),
    path("entries/<int:pk>/poster/", views.film_file, {"kind": "poster"}, name="film_poster"),
    path("entries/<int:pk>/cover/", views.film_file, {"kind": "cover"}, name="cover"),
    path("entries/<int:pk>/cover/small/", views.film_file, {"kind": "cover_thumbnail"}, name="cover_thumbnail"),
    path("entries/<int:pk>/cover/upload/", views.entry_cover, name="cover_upload"),
    path("region/<slug:code>/entries/", views.region_entries, name="region_entries"),
    path("region/<slug:code>/entries/<int:pk>/", views.region_entry, name="region_entry"),
    path("region/<slug:code>/signoff/", views.region_signoff, name="region_signoff"),
    path("region/<slug:code>/import/", views.region_import, name="region_import"),
    path("region/<slug:code>/import/<int:pk>/", views.region_import_job, name="region_import_job"),
    path("region/<slug:code>/import/template.xlsx", views.region_import_template, name="region_import_template"),
    path(
        "region/<slug:code>/export/participants.xlsx",
        views.region_export_participants,
        name="region_export_participants",
    ),
    path("region/<slug:code>/export/films.xlsx", views.region_export_entries, name="region_export_entries"),
]

from django.urls import path

from . import views

app_name = "judging"
urlpatterns = [
    path("jury/", views.home, name="home"),
    path("jury/panels/<int:pk>/", views.panel, name="panel"),
    path("jury/panels/<int:pk>/results/", views.results, name="results"),
    path("jury/panels/<int:pk>/protocol.pdf", views.protocol, name="protocol"),
    path("jury/films/<int:pk>/", views.score, name="score"),
    path("jury/films/<int:pk>/preview/", views.preview, name="preview"),
    path("jury/films/<int:pk>/recuse/", views.recuse, name="recuse"),
    path("jury/region/<slug:code>/", views.region_panels, name="region_panels"),
    path("jury/organizer/", views.organizer_panels, name="organizer_panels"),
    path("jury/organizer/panels/<int:pk>/", views.setup_panel, name="setup_panel"),
    path("jury/organizer/criteria/", views.criteria, name="criteria"),
    path("jury/organizer/results/", views.organizer_results, name="organizer_results"),
    path("results/", views.public_results, name="public"),
    path("results/<int:pk>/poster/", views.public_poster, name="public_poster"),
    path("results/<int:pk>/film/", views.public_film, name="public_film"),
]

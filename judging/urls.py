from django.urls import path

from . import views

app_name = "judging"
urlpatterns = [
    path("jury/", views.home, name="home"),
    path("jury/panels/<int:pk>/", views.panel, name="panel"),
    path("jury/panels/<int:pk>/results/", views.results, name="results"),
    path("jury/films/<int:pk>/", views.score, name="score"),
    path("jury/films/<int:pk>/preview/", views.preview, name="preview"),
    path("jury/films/<int:pk>/recuse/", views.recuse, name="recuse"),
]

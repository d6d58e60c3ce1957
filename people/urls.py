from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("organizer/people/", views.people_list, name="list"),
    path("organizer/people/invite/", views.invite, name="invite"),
    path("invite/<str:token>/", views.accept, name="accept"),
]

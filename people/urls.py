from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("organizer/people/", views.people_list, name="list"),
    path("organizer/people/invite/", views.invite, name="invite"),
    path("organizer/people/invitations/<int:pk>/resend/", views.invitation_resend, name="resend"),
    path("organizer/people/invitations/<int:pk>/cancel/", views.invitation_cancel, name="cancel"),
    path("organizer/people/roles/<int:pk>/revoke/", views.role_revoke, name="revoke"),
    path("invite/<str:token>/", views.accept, name="accept"),
]

from django.urls import path

from . import views

app_name = "organizing"
urlpatterns = [
    path("organizer/editions/new/", views.edition_new, name="edition_new"),
    path("organizer/edition/", views.edition, name="edition"),
    path("organizer/editions/<int:pk>/make-current/", views.edition_make_current, name="edition_make_current"),
    path("organizer/edition/nominations/", views.nominations, name="nominations"),
    path("organizer/edition/nominations/<int:pk>/", views.nomination, name="nomination"),
    path("organizer/edition/age-groups/", views.age_groups, name="age_groups"),
    path("organizer/edition/quotas/", views.quotas, name="quotas"),
    path("organizer/edition/readiness/", views.readiness, name="readiness"),
    path("organizer/edition/demo-phase/", views.demo_phase, name="demo_phase"),
    path("organizer/schools/", views.schools, name="schools"),
]

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("documents/", views.mine, name="mine"),
    path("documents/<int:pk>/pdf/", views.download, name="download"),
    path("documents/archives/<int:pk>/", views.archive, name="archive"),
    path("documents/region/<slug:code>/", views.region, name="region"),
    path("documents/organizer/", views.organizer, name="organizer"),
    path("documents/organizer/templates/new/", views.template_new, name="template_new"),
    path("documents/organizer/templates/<int:pk>/", views.template_edit, name="template"),
    path("documents/organizer/templates/<int:pk>/preview/", views.template_preview, name="template_preview"),
    path("documents/organizer/templates/<int:pk>/images/", views.template_image, name="template_image"),
    path("documents/organizer/templates/<int:pk>/fonts/", views.font_upload, name="font_upload"),
    path("documents/organizer/jobs/<int:pk>/", views.job, name="job"),
    path("documents/organizer/jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
    path("documents/organizer/jobs/<int:pk>/batches/<int:index>.pdf", views.batch, name="batch"),
    path("documents/organizer/<int:pk>/correct/", views.correct, name="correct"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]

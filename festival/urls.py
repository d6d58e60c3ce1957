from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from certificates import views as certificate_views

from . import views
from .forms import EmailAuthenticationForm, QueuedPasswordResetForm

account_patterns = (
    [
        path("", views.account_home, name="home"),
        path("consent/", views.consent, name="consent"),
        path("team/", views.team_list, name="team"),
        path("team/add/", views.team_add, name="team_add"),
    ],
    "account",
)

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("health/", views.health, name="health"),
    # The address in a document's QR code: short, and without a language (the page opens in the reader's).
    path("v/<str:code>/", certificate_views.verify_short, name="verify_short"),
    # The resumable upload protocol: no language prefix, its clients speak HTTP headers, not pages.
    path("tus/", include("submissions.tus_urls")),
]

urlpatterns += i18n_patterns(
    path("", views.landing, name="landing"),
    path("schools/options/", views.school_options, name="school_options"),
    path("register/", views.register_choice, name="register"),
    path("register/student/", views.register_student, name="register_student"),
    path("register/supervisor/", views.register_supervisor, name="register_supervisor"),
    path("register/sent/", views.register_done, name="register_done"),
    path("register/resend/", views.resend_confirmation, name="resend_confirmation"),
    path("confirm/<str:token>/", views.confirm_email, name="confirm_email"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("me/", include(account_patterns)),
    path("region/<slug:code>/", views.region_workspace, name="region_workspace"),
    path("organizer/", views.organizer_dashboard, name="organizer_dashboard"),
    path("", include("submissions.urls")),
    path("", include("judging.urls")),
    path("", include("certificates.urls")),
    path("", include("stats.urls")),
    path("", include("people.urls")),
    path("", include("organizing.urls")),
    path("admin/", admin.site.urls),
)

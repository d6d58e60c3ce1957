"""Django's own strings that our pages show, listed for translation.

Django's own Kazakh catalog misses these strings; listing them here lets makemessages put them into our
catalog, which takes precedence (LOCALE_PATHS). Some of them Django does translate into Kazakh, but stiffly
(form errors a child reads); our catalog gives them plainer wording, and the Russian catalog gets the same
style.

Each msgid is copied from Django 5.2's own catalogs (django/conf/locale, django/contrib/auth/locale,
django/contrib/admin/locale) and must match Django's source exactly, typographic quotes and apostrophes
(’ “ ”) included; otherwise the entry is silently never used. After upgrading Django, compare them with
django/conf/locale/en/LC_MESSAGES/django.po and the contrib apps' en catalogs.

Nothing imports this module: only makemessages reads it. Plural strings are inside _plural_strings(), which
is never called, because Django has no ngettext_noop.
"""

from django.utils.translation import gettext_noop, ngettext, pgettext_lazy

STRINGS = [
    # Form fields and validators (django/forms/fields.py, django/forms/models.py, django/core/validators.py)
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    # Our translations leave out the rejected value: it is whatever the browser sent (often Latin text),
    # so the flag below stops msgfmt from requiring %(value)s in them.
    # xgettext:no-python-format
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("%(model_name)s with this %(field_label)s already exists."),
    gettext_noop("%(model_name)s with this %(field_labels)s already exists."),
    # Password validators (django/contrib/auth/password_validation.py): errors and help texts
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),
    # Authentication, password reset and password change forms (django/contrib/auth/forms.py)
    gettext_noop("Password"),
    gettext_noop("Email"),
    gettext_noop("New password"),
    gettext_noop("New password confirmation"),
    gettext_noop("Old password"),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("The two password fields didn’t match."),
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
    gettext_noop("Please enter a correct %(username)s and password. Note that both fields may be case-sensitive."),
    gettext_noop("This account is inactive."),
    # Admin login page (django/contrib/admin/forms.py, templates/admin/login.html, base.html)
    gettext_noop(
        "Please enter the correct %(username)s and password for a staff account. Note that both fields may be "
        "case-sensitive.",
    ),
    gettext_noop("Error:"),
    gettext_noop(
        "You are authenticated as %(username)s, but are not authorized to access this page. Would you like to login "
        "to a different account?",
    ),
    gettext_noop("Skip to main content"),
    gettext_noop("Toggle theme (current theme: auto)"),
    gettext_noop("Toggle theme (current theme: light)"),
    gettext_noop("Toggle theme (current theme: dark)"),
    # The page shown when a form is sent with an expired security token (django/views/csrf.py)
    gettext_noop("Forbidden"),
    gettext_noop("CSRF verification failed. Request aborted."),
    gettext_noop(
        "You are seeing this message because this HTTPS site requires a “Referer header” to be sent by your web "
        "browser, but none was sent. This header is required for security reasons, to ensure that your browser is not "
        "being hijacked by third parties.",
    ),
    gettext_noop(
        "If you have configured your browser to disable “Referer” headers, please re-enable them, at least for this "
        "site, or for HTTPS connections, or for “same-origin” requests.",
    ),
    gettext_noop(
        'If you are using the <meta name="referrer" content="no-referrer"> tag or including the “Referrer-Policy: '
        "no-referrer” header, please remove them. The CSRF protection requires the “Referer” header to do strict "
        'referer checking. If you’re concerned about privacy, use alternatives like <a rel="noreferrer" …> for links '
        "to third-party sites.",
    ),
    gettext_noop(
        "You are seeing this message because this site requires a CSRF cookie when submitting forms. This cookie is "
        "required for security reasons, to ensure that your browser is not being hijacked by third parties.",
    ),
    gettext_noop(
        "If you have configured your browser to disable cookies, please re-enable them, at least for this site, or "
        "for “same-origin” requests.",
    ),
    gettext_noop("More information is available with DEBUG=True."),
    # Month names in dates such as «12 қараша 2026» (the "E" date format): Django's Kazakh ones are capitalised
    pgettext_lazy("alt. month", "January"),
    pgettext_lazy("alt. month", "February"),
    pgettext_lazy("alt. month", "March"),
    pgettext_lazy("alt. month", "April"),
    pgettext_lazy("alt. month", "May"),
    pgettext_lazy("alt. month", "June"),
    pgettext_lazy("alt. month", "July"),
    pgettext_lazy("alt. month", "August"),
    pgettext_lazy("alt. month", "September"),
    pgettext_lazy("alt. month", "October"),
    pgettext_lazy("alt. month", "November"),
    pgettext_lazy("alt. month", "December"),
    # django-axes, in the organizers' admin (axes/models.py, axes/admin.py); its Kazakh catalog is missing
    gettext_noop("Access Attempt"),
    gettext_noop("Access lock out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Expires At"),
    gettext_noop("Failed Logins"),
    gettext_noop("Form Data"),
    gettext_noop("GET Data"),
    gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"),
    gettext_noop("Locked Out"),
    gettext_noop("Logout Time"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("POST Data"),
    gettext_noop("Path"),
    gettext_noop("User Agent"),
    gettext_noop("Username"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
]


def _plural_strings():  # pragma: no cover - never called, read by makemessages only
    # Form fields and validators (django/forms/fields.py, django/forms/models.py, django/core/validators.py)
    ngettext(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        1,
    )
    ngettext(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        1,
    )
    # Password validators (django/contrib/auth/password_validation.py): errors and help texts
    ngettext(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    )
    ngettext(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        1,
    )
    # Admin login page (django/contrib/admin/forms.py, templates/admin/login.html, base.html)
    ngettext("Please correct the error below.", "Please correct the errors below.", 1)

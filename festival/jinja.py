"""What the Jinja2 templates (*.jinja, django-jinja) call besides django-jinja's own url(), {% csrf_token %},
_() and {% trans %}: the site's menu, static files' addresses, a filter's <option>s, a person's documents, and
a Django template's part.

The pages opened most are Jinja2 templates: a film's page, a student's films and page, a region's films, and a
juror's panels and scoring page. Jinja2 compiles a template to Python functions once; Django's engine walks
a tree of nodes and resolves each variable through the context's layers at every render. The other pages,
with their crispy forms, stay Django templates; both kinds share the menu and the strings.
"""

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils.timezone import template_localtime
from jinja2 import pass_context

from certificates.templatetags.documents import my_documents
from festival.templatetags import layout
from festival.templatetags.choices import options

__all__ = ["date", "django_part", "my_documents", "options", "site_menu", "static"]

_static_urls = {}


@pass_context
def site_menu(context):
    """The site's menu (festival/templatetags/layout.py), as the Django layout shows it."""
    return layout.menu(context["request"], context["user"], context["language_links"], context.get("csrf_token", ""))


def django_part(template_name, **values):
    """A Django template's partial, shared with the Django pages, rendered with `values` alone: without the
    request, so without the context processors, which the page has run already (a partial that needs the
    request or a CSRF token is given them in `values`)."""
    return render_to_string(template_name, values)


def date(value, arg=None):
    """Django's date filter, on the reader's clock as in a Django template (there it is `expects_localtime`)."""
    return defaultfilters.date(template_localtime(value), arg)


def static(path):
    """A static file's address, as django-jinja's static() gives it, worked out once per file and process: the
    hashed name comes from the manifest the storage read when the process started, and never changes in it."""
    address = _static_urls.get(path)
    if address is None:
        address = _static_urls[path] = staticfiles_storage.url(path)
    return address


@receiver(setting_changed)
def _storage_changed(setting, **kwargs):
    if setting in ("STORAGES", "STATIC_URL", "STATIC_ROOT"):
        _static_urls.clear()

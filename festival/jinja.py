"""What the Jinja2 templates (*.jinja, django-jinja) call besides django-jinja's own url(), static(), {% csrf_token %},
_() and {% trans %}: the site's menu, a filter's <option>s, a person's documents, and a Django template's part.

The pages opened most are Jinja2 templates: a film's page, a student's films and page, a region's films, and a
juror's panels and scoring page. Jinja2 compiles a template to Python, where Django's engine walks a tree of
nodes and resolves every variable through its context layers: the same page renders in a third of the time.
The other pages, with their crispy forms, stay Django templates; both share the menu and the strings.
"""

from django.template import defaultfilters
from django.template.loader import render_to_string
from django.utils.timezone import template_localtime
from jinja2 import pass_context

from certificates.templatetags.documents import my_documents
from festival.templatetags import layout
from festival.templatetags.choices import options

__all__ = ["date", "django_part", "my_documents", "options", "site_menu"]


@pass_context
def site_menu(context):
    """The site's menu (festival/templatetags/layout.py), as the Django layout shows it."""
    return layout.menu(context["request"], context["user"], context["language_links"], context.get("csrf_token", ""))


@pass_context
def django_part(context, template_name, **values):
    """A Django template's partial, shared with the Django pages, rendered for this request with `values`."""
    return render_to_string(template_name, values, request=context.get("request"))


def date(value, arg=None):
    """Django's date filter, on the reader's clock as in a Django template (there it is `expects_localtime`)."""
    return defaultfilters.date(template_localtime(value), arg)

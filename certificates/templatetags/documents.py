from django import template

from certificates.services import documents_of

register = template.Library()


@register.simple_tag
def my_documents(user):
    """The documents a person downloads from their page (see services.documents_of)."""
    return list(documents_of(user)[:50])

from django import template

from certificates.selectors import documents_of

register = template.Library()


@register.simple_tag
def my_documents(user):
    """The documents a person downloads from their page (see selectors.documents_of)."""
    return list(documents_of(user)[:50])

from django import template

from certificates.services import documents_of

register = template.Library()


@register.simple_tag
def my_documents(user):
    """The documents a person downloads from their page (see services.documents_of)."""
    documents = documents_of(user)
    # Most people have none, most of the year: no rows to read (none() would still be compiled to find that).
    return [] if documents.query.is_empty() else list(documents[:50])

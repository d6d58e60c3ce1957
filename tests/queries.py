"""The queries a page takes, for the tests that keep a list's queries from growing with its rows: as pretalx
does, each list is read at one row and at three, and the two counts must be equal."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def page_queries(client, url, data=None):
    """(the SQL of each query the page took, the response); the page must answer 200."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data)
    assert response.status_code == 200, response.status_code
    return [query["sql"] for query in queries], response

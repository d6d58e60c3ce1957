"""Where films live. Private files have no public URL: views serve them after a permission check."""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Private files have no URL: serve them through a view that checks permissions.")


def private_storage():
    # Built per call: tests and deployments move PRIVATE_MEDIA_ROOT through settings.
    return PrivateStorage(location=settings.PRIVATE_MEDIA_ROOT)


def upload_path(upload_id):
    """The file a tus upload is appended to while it is incomplete."""
    root = Path(settings.UPLOAD_TEMP_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root / str(upload_id)

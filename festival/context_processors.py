from django.conf import settings


def festival(request):
    return {"LANGUAGES": settings.LANGUAGES}

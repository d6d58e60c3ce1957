"""Kazakh and Russian pages carry no English: the catalogs are complete and rendered pages show none."""

import html
import re
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories

LOCALE = Path(__file__).resolve().parent.parent / "locale"

# Latin words allowed on a Kazakh or Russian page: file formats, the nomination STOP-MOTION, the UTC offset,
# and English on the language switcher ("ENG", "English" in its title), where each language is named in itself so
# a reader finds their own.
ALLOWED_LATIN = {"stop", "motion", "mp4", "mov", "webm", "mkv", "avi", "m4v", "xlsx", "utc", "english", "eng"}
# Codec names a coordinator sees under the player: technical names, the same in every language.
# Document formats, font names (the designer lists them) and Roman numerals of places on diplomas.
ALLOWED_LATIN |= {"pdf", "zip", "ttf", "jpeg", "png", "truetype", "dejavu", "sans", "serif", "bold", "condensed", "iii"}
ALLOWED_LATIN |= {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "mjpeg", "prores", "dnxhd"}


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalog_complete(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert len(catalog) > 100
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_catalog_keeps_placeholders(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    placeholder = re.compile(r"%\(\w+\)s")
    for entry in catalog.translated_entries():
        expected = set(placeholder.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert set(placeholder.findall(text)) <= expected | set(placeholder.findall(entry.msgid_plural or "")), (
                entry.msgid
            )


def visible_latin_words(body):
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    text = re.sub(r"[\w.+-]+@[\w.-]+", " ", text)  # e-mail addresses
    text = re.sub(r"https?://\S+", " ", text)
    text = re.sub(r"[\w.-]+\.(?:mp4|mov|m4v|webm|mkv|avi|jpe?g|png|webp|xlsx)\b", " ", text)  # file names
    words = re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", text)
    return sorted({w for w in words if w.lower() not in ALLOWED_LATIN})


@pytest.fixture
def accounts(db):
    return {
        "anonymous": None,
        "student": factories.student_with_consent("astana"),
        "new_student": factories.StudentFactory(),
        "supervisor": factories.SupervisorFactory(),
        "coordinator": factories.coordinator("astana"),
        "juror": factories.juror(),
        "organizer": factories.organizer(),
    }


PAGES = [
    ("anonymous", "landing", ()),
    ("anonymous", "register", ()),
    ("anonymous", "register_student", ()),
    ("anonymous", "register_supervisor", ()),
    ("anonymous", "register_done", ()),
    ("anonymous", "resend_confirmation", ()),
    ("anonymous", "confirm_email", ("broken",)),
    ("anonymous", "login", ()),
    ("anonymous", "password_reset", ()),
    ("anonymous", "password_reset_done", ()),
    ("anonymous", "password_reset_confirm", ("MQ", "set-password")),
    ("anonymous", "password_reset_complete", ()),
    ("student", "account:home", ()),
    ("student", "password_change", ()),
    ("new_student", "account:consent", ()),
    ("supervisor", "account:home", ()),
    ("supervisor", "account:team", ()),
    ("supervisor", "account:team_add", ()),
    ("coordinator", "account:home", ()),
    ("coordinator", "region_workspace", ("astana",)),
    ("juror", "judging:home", ()),
    ("organizer", "organizer_dashboard", ()),
    ("organizer", "certificates:organizer", ()),
    ("student", "certificates:mine", ()),
    ("coordinator", "certificates:region", ("astana",)),
    ("anonymous", "certificates:verify", ()),
    ("organizer", "statistics:edition", ()),
    ("coordinator", "statistics:region", ("astana",)),
]


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_pages_show_no_english(client, accounts, edition, language):
    found = {}
    for role, name, args in PAGES:
        client.logout()
        if accounts[role]:
            client.force_login(accounts[role])
        with translation.override(language):
            url = reverse(name, args=args)
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert f'lang="{language}"' in response.content.decode()
        words = visible_latin_words(response.content.decode())
        if words:
            found[url] = words
    assert not found, found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_form_errors_show_no_english(client, edition, accounts, language):
    with translation.override(language):
        registration = reverse("register_student")
        consent = reverse("account:consent")
        login = reverse("login")
    bad_registration = {"email": "not-an-email", "birth_date": "not-a-date", "password1": "123", "password2": "123"}
    response = client.post(registration, bad_registration)
    assert response.context["form"].errors
    assert not visible_latin_words(response.content.decode())
    response = client.post(login, {"username": "x@example.kz", "password": "wrong"})
    assert not visible_latin_words(response.content.decode())
    client.force_login(accounts["new_student"])
    response = client.post(consent, {"iin": "12345", "grade": "99", "relation": "nobody"})
    assert len(response.context["form"].errors) >= 5
    assert not visible_latin_words(response.content.decode())


def test_error_page_404_translated(client, db):
    response = client.get("/kk/no-such-page/")
    assert response.status_code == 404
    assert not visible_latin_words(response.content.decode())


def test_admin_pages_in_russian_show_no_english(client, accounts):
    from django.contrib import admin

    client.force_login(accounts["organizer"])
    found = {}
    with translation.override("ru"):
        # As data, the regions' changelist shows their English names and the login logs show browsers' names.
        urls = [reverse("admin:index")] + [
            reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m in admin.site._registry
            if m._meta.model_name != "region" and m._meta.app_label != "axes"
        ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        words = visible_latin_words(response.content.decode())
        if words:
            found[url] = words
    assert not found, found


@pytest.mark.parametrize(("page_language", "browser_language", "target"), [("kk", "ru", "ru"), ("ru", "kk", "en")])
def test_language_switch_works_whatever_the_browser_language(client, db, page_language, browser_language, target):
    page = client.get(f"/{page_language}/register/", HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()
    forms = re.findall(r'<input name="next" type="hidden" value="([^"]+)">\s*<button[^>]*value="(\w+)"', page)
    next_url = dict((code, url) for url, code in forms)[target]
    response = client.post(
        reverse("set_language"), {"language": target, "next": next_url}, HTTP_ACCEPT_LANGUAGE=browser_language
    )
    assert response.status_code == 302 and response.url == f"/{target}/register/"
    assert client.cookies["django_language"].value == target
    assert f'lang="{target}"' in client.get(response.url, HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_entry_pages_show_no_english(client, edition, language):
    from submissions import services as entry_services

    entry = factories.entry()
    factories.checked_film(entry)
    entry_services.entry_submit(entry=entry, user=entry.created_by)
    pages = [
        (entry.created_by, "submissions:mine", ()),
        (entry.created_by, "submissions:create", ()),
        (entry.created_by, "submissions:entry", (entry.pk,)),
        (factories.coordinator("astana"), "submissions:region_entries", ("astana",)),
        (factories.coordinator("astana"), "submissions:region_entry", ("astana", entry.pk)),
        (factories.coordinator("astana"), "submissions:region_import", ("astana",)),
    ]
    found = {}
    for user, name, args in pages:
        client.force_login(user)
        with translation.override(language):
            url = reverse(name, args=args)
        response = client.get(url)
        assert response.status_code == 200, url
        words = visible_latin_words(response.content.decode())
        if words:
            found[url] = words
    assert not found, found


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_every_field_label_is_translated(language):
    # Labels of forms and of the admin come from these; a missing one shows English in the middle of the page.
    from django.apps import apps

    untranslated, checked = [], 0
    for model in apps.get_models():
        if model._meta.app_label not in ("festival", "submissions", "judging", "certificates"):
            continue
        for field in model._meta.get_fields():
            label = getattr(field, "verbose_name", None)
            if not getattr(label, "_args", None):
                continue  # not marked for translation (reverse relations, automatic ids)
            english = str(label._args[0])
            checked += 1
            with translation.override(language):
                if str(label) == english and english != english.upper():  # SHA-256 is SHA-256 everywhere
                    untranslated.append(f"{model.__name__}.{field.name}: {english}")
    assert checked > 100
    assert not untranslated, untranslated

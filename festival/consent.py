"""The text of the consent to personal data processing, versioned, in three languages.

Each item answers one question Kazakhstan's law on personal data asks a consent to answer: who the
operator is, which data, for what purpose, for how long, and whether it goes to third parties.
The record stores the items verbatim in the language they were shown in.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

CONSENT_TEXT_VERSION = "2026-1"

CONSENT_ITEMS = [
    ("operator", _("Operator")),
    ("data_kept", _("Data processed")),
    ("purpose", _("Purpose")),
    ("term", _("Term")),
    ("third_parties", _("Transfer to third parties")),
]

_TEXT = {
    "kk": {
        "operator": "Қазақстан Республикасы Оқу-ағарту министрлігінің Республикалық қосымша білім берудің "
        "оқу-әдістемелік орталығы (Астана қ.) — фестивальді ұйымдастырушы.",
        "data_kept": "Қатысушының тегі, аты, әкесінің аты, туған күні, ЖСН (көрсетілсе), мектебі, сыныбы, "
        "өңірі, фильмдері және олардағы бейнесі мен дауысы, жетекшісі мен ата-анасының (заңды өкілінің) "
        "байланыс деректері.",
        "purpose": "Фестивальдің өңірлік және республикалық кезеңдеріне қатысу, жұмыстарды бағалау, "
        "нәтижелерді жариялау, дипломдар мен сертификаттар беру.",
        "term": "Фестиваль аяқталғаннан кейін 3 жыл немесе келісім кері қайтарылғанға дейін.",
        "third_parties": "Деректер үшінші тұлғаларға берілмейді; жеңімпаздардың аты-жөні, мектебі, өңірі және "
        "фильмнің атауы фестиваль нәтижелерінде жарияланады.",
    },
    "ru": {
        "operator": "Республиканский учебно-методический центр дополнительного образования Министерства "
        "просвещения Республики Казахстан (г. Астана) — организатор фестиваля.",
        "data_kept": "Фамилия, имя, отчество, дата рождения, ИИН (если указан), школа, класс, регион участника, "
        "его фильмы, изображение и голос в них, контакты руководителя и родителя (законного представителя).",
        "purpose": "Участие в региональном и республиканском этапах фестиваля, оценка работ, публикация итогов, "
        "выдача дипломов и сертификатов.",
        "term": "3 года после окончания фестиваля или до отзыва согласия.",
        "third_parties": "Данные третьим лицам не передаются; в итогах фестиваля публикуются фамилия и имя "
        "победителей, школа, регион и название фильма.",
    },
    "en": {
        "operator": "The Republican educational and methodological centre of additional education of the "
        "Ministry of Education of the Republic of Kazakhstan (Astana), the festival's organizer.",
        "data_kept": "The participant's last name, first name, patronymic, date of birth, IIN (if given), school, "
        "grade and region, their films with their image and voice in them, and the contacts of the supervisor "
        "and of the parent (legal representative).",
        "purpose": "Taking part in the regional and republican stages of the festival, judging the films, "
        "publishing the results, issuing diplomas and certificates.",
        "term": "3 years after the festival ends, or until the consent is withdrawn.",
        "third_parties": "The data is not transferred to third parties; the results publish the winners' names, "
        "school, region and film title.",
    },
}


def consent_text(language=None):
    language = (language or get_language() or "ru")[:2]
    return language if language in _TEXT else "ru", _TEXT.get(language, _TEXT["ru"])

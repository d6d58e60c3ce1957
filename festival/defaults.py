"""What a new edition starts with: the eight nominations of the festival's rules and three age groups.

Organizers edit all of it per edition; these are only the starting values.
"""

MINUTE = 60
MB_PER_GB = 1024

DEFAULT_NOMINATIONS = [
    {
        "code": "best-film",
        "name_kk": "Үздік фильм",
        "name_ru": "Лучший фильм",
        "name_en": "Best film",
        "description_kk": "Кез келген жанрдағы толық аяқталған қысқаметражды фильм.",
        "description_ru": "Законченный короткометражный фильм любого жанра.",
        "description_en": "A complete short film of any genre.",
        "max_duration_seconds": 15 * MINUTE,
        "max_file_size_mb": 4 * MB_PER_GB,
        "max_team_size": 10,
    },
    {
        "code": "feature",
        "name_kk": "Көркем фильм",
        "name_ru": "Игровое кино",
        "name_en": "Feature film",
        "description_kk": "Актерлер ойнайтын, сценарийі бар көркем қысқаметражды фильм.",
        "description_ru": "Игровой короткометражный фильм по сценарию, с актёрами.",
        "description_en": "A scripted short fiction film with actors.",
        "max_duration_seconds": 15 * MINUTE,
        "max_file_size_mb": 4 * MB_PER_GB,
        "max_team_size": 10,
    },
    {
        "code": "stop-motion",
        "name_kk": "STOP-MOTION бейнесі",
        "name_ru": "STOP-MOTION-видео",
        "name_en": "STOP-MOTION video",
        "description_kk": "Кадрма-кадр түсірілген анимация: пластилин, қағаз, ойыншықтар, заттар.",
        "description_ru": "Покадровая анимация: пластилин, бумага, игрушки, предметы.",
        "description_en": "Frame-by-frame animation: clay, paper, toys, objects.",
        "max_duration_seconds": 5 * MINUTE,
        "max_file_size_mb": 2 * MB_PER_GB,
        "max_team_size": 6,
    },
    {
        "code": "social",
        "name_kk": "Әлеуметтік өткір тақырыптағы бейнетуынды",
        "name_ru": "Видеопродукция остросоциальной тематической направленности",
        "name_en": "Socially acute video",
        "description_kk": "Балалар мен жасөспірімдерді толғандыратын әлеуметтік мәселе туралы бейнетуынды.",
        "description_ru": "Видео о социальной проблеме, которая волнует детей и подростков.",
        "description_en": "A video about a social problem that matters to children and teenagers.",
        "max_duration_seconds": 5 * MINUTE,
        "max_file_size_mb": 2 * MB_PER_GB,
        "max_team_size": 6,
    },
    {
        "code": "music-video",
        "name_kk": "Музыкалық клип",
        "name_ru": "Музыкальный клип",
        "name_en": "Music video",
        "description_kk": "Әнге немесе музыкалық шығармаға түсірілген бейнеклип.",
        "description_ru": "Видеоклип на песню или музыкальное произведение.",
        "description_en": "A video made to a song or a piece of music.",
        "max_duration_seconds": 5 * MINUTE,
        "max_file_size_mb": 2 * MB_PER_GB,
        "max_team_size": 8,
    },
    {
        "code": "tv-story",
        "name_kk": "Телевизиялық сюжет",
        "name_ru": "Телевизионный сюжет",
        "name_en": "TV story",
        "description_kk": "Мектеп, қала немесе ауыл өміріндегі оқиға туралы жаңалықтар сюжеті.",
        "description_ru": "Новостной сюжет о событии из жизни школы, города или села.",
        "description_en": "A news story about an event in the life of a school, town or village.",
        "max_duration_seconds": 5 * MINUTE,
        "max_file_size_mb": 2 * MB_PER_GB,
        "max_team_size": 5,
    },
    {
        "code": "newsreel",
        "name_kk": "Киножурнал",
        "name_ru": "Киножурнал",
        "name_en": "Film magazine",
        "description_kk": "Бірнеше қысқа сюжеттен тұратын киножурнал шығарылымы.",
        "description_ru": "Выпуск киножурнала из нескольких коротких сюжетов.",
        "description_en": "An issue of a film magazine made of several short stories.",
        "max_duration_seconds": 10 * MINUTE,
        "max_file_size_mb": 3 * MB_PER_GB,
        "max_team_size": 8,
    },
    {
        "code": "science",
        "name_kk": "Ғылыми кино",
        "name_ru": "Научное кино",
        "name_en": "Science film",
        "description_kk": "Ғылыми құбылысты, тәжірибені немесе зерттеуді түсіндіретін фильм.",
        "description_ru": "Фильм, объясняющий научное явление, опыт или исследование.",
        "description_en": "A film explaining a scientific phenomenon, an experiment or a study.",
        "max_duration_seconds": 15 * MINUTE,
        "max_file_size_mb": 4 * MB_PER_GB,
        "max_team_size": 6,
    },
]

DEFAULT_AGE_GROUPS = [
    {"name_kk": "6–10 жас", "name_ru": "6–10 лет", "name_en": "6–10 years", "min_age": 6, "max_age": 10},
    {"name_kk": "11–14 жас", "name_ru": "11–14 лет", "name_en": "11–14 years", "min_age": 11, "max_age": 14},
    {"name_kk": "15–18 жас", "name_ru": "15–18 лет", "name_en": "15–18 years", "min_age": 15, "max_age": 18},
]

# The press release's contacts: the Republican educational and methodological centre of additional education.
DEFAULT_CONTACT_PHONE = "8 (7172) 64-75-93"
DEFAULT_CONTACT_EMAIL = "sotsped21@bk.ru"

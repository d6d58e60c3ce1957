"""The 20 regions of Kazakhstan: 17 oblasts and 3 cities of republican significance (as of 2022)."""

from django.db import migrations

REGIONS = [
    # code, kind, Kazakh, Russian, English
    ("astana", "city", "Астана қаласы", "город Астана", "Astana city"),
    ("almaty-city", "city", "Алматы қаласы", "город Алматы", "Almaty city"),
    ("shymkent", "city", "Шымкент қаласы", "город Шымкент", "Shymkent city"),
    ("abai", "oblast", "Абай облысы", "область Абай", "Abai Region"),
    ("akmola", "oblast", "Ақмола облысы", "Акмолинская область", "Akmola Region"),
    ("aktobe", "oblast", "Ақтөбе облысы", "Актюбинская область", "Aktobe Region"),
    ("almaty", "oblast", "Алматы облысы", "Алматинская область", "Almaty Region"),
    ("atyrau", "oblast", "Атырау облысы", "Атырауская область", "Atyrau Region"),
    ("east-kazakhstan", "oblast", "Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"),
    ("jambyl", "oblast", "Жамбыл облысы", "Жамбылская область", "Jambyl Region"),
    ("jetisu", "oblast", "Жетісу облысы", "область Жетісу", "Jetisu Region"),
    ("west-kazakhstan", "oblast", "Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"),
    ("karaganda", "oblast", "Қарағанды облысы", "Карагандинская область", "Karaganda Region"),
    ("kostanay", "oblast", "Қостанай облысы", "Костанайская область", "Kostanay Region"),
    ("kyzylorda", "oblast", "Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"),
    ("mangystau", "oblast", "Маңғыстау облысы", "Мангистауская область", "Mangystau Region"),
    ("pavlodar", "oblast", "Павлодар облысы", "Павлодарская область", "Pavlodar Region"),
    (
        "north-kazakhstan",
        "oblast",
        "Солтүстік Қазақстан облысы",
        "Северо-Казахстанская область",
        "North Kazakhstan Region",
    ),
    ("turkistan", "oblast", "Түркістан облысы", "Туркестанская область", "Turkistan Region"),
    ("ulytau", "oblast", "Ұлытау облысы", "область Ұлытау", "Ulytau Region"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("festival", "Region")
    for order, (code, kind, kk, ru, en) in enumerate(REGIONS):
        Region.objects.update_or_create(
            code=code, defaults={"kind": kind, "name_kk": kk, "name_ru": ru, "name_en": en, "order": order}
        )


def remove_regions(apps, schema_editor):
    apps.get_model("festival", "Region").objects.filter(code__in=[r[0] for r in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("festival", "0001_initial")]
    operations = [migrations.RunPython(add_regions, remove_regions)]

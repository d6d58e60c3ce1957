"""A panel's name in Kazakh, Russian and English: the name it had becomes the Russian one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("judging", "0001_initial"),
    ]

    operations = [
        migrations.RenameField(model_name="panel", old_name="name", new_name="name_ru"),
        migrations.AlterField(
            model_name="panel",
            name="name_ru",
            field=models.CharField(max_length=200, verbose_name="name in Russian"),
        ),
        migrations.AddField(
            model_name="panel",
            name="name_kk",
            field=models.CharField(blank=True, max_length=200, verbose_name="name in Kazakh"),
        ),
        migrations.AddField(
            model_name="panel",
            name="name_en",
            field=models.CharField(blank=True, max_length=200, verbose_name="name in English"),
        ),
        migrations.AlterModelOptions(
            name="panel",
            options={
                "ordering": ["edition", "stage", "name_ru"],
                "verbose_name": "jury panel",
                "verbose_name_plural": "jury panels",
            },
        ),
    ]

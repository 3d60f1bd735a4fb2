"""Calendar years get a `provisional` flag: the demo's weekends-only stand-in years are
marked as such (admin, the clerk's notice form), never taken for the official calendar.

Years a demo database already holds from `seed_demo` (their source was the demo's
"示范数据 … DEMO ONLY" text, and they have no days) are marked provisional here. Frozen
text: what the demo wrote before this migration.
"""

from django.db import migrations, models

OLD_DEMO_SOURCE = ("示范数据，仅区分周末，不是国务院节假日安排 / DEMO ONLY: weekends only, not the "
                   "official holidays; enter the real year before any real use")


def mark_demo_years(apps, schema_editor):
    CalendarYear = apps.get_model("trading", "CalendarYear")
    CalendarYear.objects.filter(source=OLD_DEMO_SOURCE, days__isnull=True).update(provisional=True)


class Migration(migrations.Migration):

    dependencies = [
        ("trading", "0008_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendaryear",
            name="provisional",
            field=models.BooleanField(
                default=False, verbose_name="provisional",
                help_text="A stand-in entered by the demo (weekends only, not the State Council's holidays). "
                          "Enter the official year (its days and the notice as source) and untick this before "
                          "any real use."),
        ),
        migrations.RunPython(mark_demo_years, migrations.RunPython.noop),
    ]

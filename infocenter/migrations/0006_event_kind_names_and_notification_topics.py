"""Stored events take the kinds' consistent names (``infocenter.event_kinds.RENAMED``:
``records.imported`` → ``record.imported``, ``loan.repayment`` → ``loan.repaid``, ``ledger.alert`` →
``ledger.alert_raised``): a pending event under an old name would match no trigger and be
delivered without its re-score. Existing notifications get their topic, so the notifications
page can filter them by kind."""

from django.db import migrations

# frozen copy of event_kinds.RENAMED at the time of this migration
RENAMED = {
    "records.imported": "record.imported",
    "loan.repayment": "loan.repaid",
    "ledger.alert": "ledger.alert_raised",
}


def forwards(apps, schema_editor):
    Event = apps.get_model("infocenter", "Event")
    Notification = apps.get_model("infocenter", "Notification")
    for old, new in RENAMED.items():
        Event.objects.filter(kind=old).update(kind=new)
    for prefix, topic in (("report.", "reports"), ("consent.", "consents")):
        Notification.objects.filter(kind__startswith=prefix, topic="").update(topic=topic)
    categories = (Notification.objects.filter(kind__startswith="publication.", topic="")
                  .values_list("params__category", flat=True).distinct())
    for category in [c for c in categories if c]:
        (Notification.objects.filter(kind__startswith="publication.", topic="", params__category=category)
         .update(topic=f"publications.{category}"))


def backwards(apps, schema_editor):
    Event = apps.get_model("infocenter", "Event")
    for old, new in RENAMED.items():
        Event.objects.filter(kind=new).update(kind=old)


class Migration(migrations.Migration):
    dependencies = [("infocenter", "0005_outbox_coalescing_and_notification_digests")]
    operations = [migrations.RunPython(forwards, backwards, elidable=True)]

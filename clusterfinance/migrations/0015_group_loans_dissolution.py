# Group loans: dissolution of a group (when, by whom, why) and each member's agreement to it.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('clusterfinance', '0014_collective_bond_four_eyes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='loangroup',
            name='dissolved_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='dissolved at'),
        ),
        migrations.AddField(
            model_name='loangroup',
            name='dissolved_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                    related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='dissolved by'),
        ),
        migrations.AddField(
            model_name='loangroup',
            name='dissolution_reason',
            field=models.CharField(blank=True, max_length=300, verbose_name='reason for the dissolution'),
        ),
        migrations.AddField(
            model_name='groupmember',
            name='dissolve_agreed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='agreed to dissolve at'),
        ),
    ]

"""The cluster register now lives in the core (agents 0003); the tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clusterfinance", "0001_initial"),
        ("agents", "0003_cluster_register"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ClusterMembership"),
                migrations.DeleteModel(name="Cluster"),
            ],
        ),
    ]

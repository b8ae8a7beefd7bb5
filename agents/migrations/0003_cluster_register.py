"""The cluster register moves from clusterfinance into the core: state only, the tables keep
their names (clusterfinance_cluster, clusterfinance_clustermembership) so no data moves."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("agents", "0002_size_class_choices"),
        ("clusterfinance", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Cluster",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200, unique=True, verbose_name="name")),
                        ("region_code", models.CharField(max_length=6, verbose_name="region code")),
                        ("region", models.CharField(max_length=100, verbose_name="region")),
                        ("core_industry", models.CharField(max_length=5, verbose_name="core industry (GB/T 4754)")),
                        ("description", models.TextField(blank=True, verbose_name="description")),
                        ("founded_on", models.DateField(default=django.utils.timezone.localdate, verbose_name="founded on")),
                        ("finance_company", models.OneToOneField(limit_choices_to={"kind": "finance_company"}, on_delete=django.db.models.deletion.PROTECT, related_name="cluster_run", to="agents.agent", verbose_name="finance company")),
                    ],
                    options={
                        "verbose_name": "cluster",
                        "verbose_name_plural": "clusters",
                        "db_table": "clusterfinance_cluster",
                    },
                ),
                migrations.CreateModel(
                    name="ClusterMembership",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("member_no", models.CharField(blank=True, max_length=20, verbose_name="member number")),
                        ("joined_on", models.DateField(default=django.utils.timezone.localdate, verbose_name="joined on")),
                        ("left_on", models.DateField(blank=True, null=True, verbose_name="left on")),
                        ("status", models.CharField(choices=[("active", "Active"), ("left", "Left")], default="active", max_length=10, verbose_name="status")),
                        ("agent", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="cluster_memberships", to="agents.agent")),
                        ("cluster", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="memberships", to="agents.cluster")),
                    ],
                    options={
                        "verbose_name": "cluster membership",
                        "verbose_name_plural": "cluster memberships",
                        "ordering": ["cluster", "member_no", "agent__name"],
                        "db_table": "clusterfinance_clustermembership",
                        "constraints": [models.UniqueConstraint(fields=("cluster", "agent"), name="cluster_membership_unique")],
                    },
                ),
            ],
        ),
    ]

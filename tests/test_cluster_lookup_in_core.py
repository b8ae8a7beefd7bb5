"""Who is a member of a cluster is decided in one place, the core (``agents.models.cluster_members_q``
and its companions ``current_membership_q``, ``clusters_of_agent_q``, ``current_cluster_ids``).
An app that spells the lookup through the membership table itself would skip the rule that a
former member is not a member from the day it left; this test names every such line."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The hand-written lookups through the cluster register that only the core may spell.
# Spellings of a walk from an agent through its memberships to a cluster or its finance company.
# ("cluster__finance_company" alone names a cluster's own finance company, not a membership.)
LOOKUPS = ("cluster_memberships__", "memberships__cluster", "cluster_run__memberships")
PATTERN = re.compile("|".join(re.escape(lookup) for lookup in LOOKUPS))
# The core owns the rule; migrations record history; this file names the spellings.
EXCLUDED_DIRS = {".venv", "venv", "node_modules", "migrations", ".git", "__pycache__"}
CORE = ROOT / "agents"
THIS_FILE = Path(__file__).resolve()
NOT_A_MEMBERSHIP: set[tuple[str, str]] = set()  # (file, spelling) pairs shown not to walk memberships


def project_files():
    for path in sorted(ROOT.rglob("*.py")):
        parts = set(path.relative_to(ROOT).parts[:-1])
        if parts & EXCLUDED_DIRS or path.is_relative_to(CORE) or path.resolve() == THIS_FILE:
            continue
        yield path


def test_the_files_searched_include_every_layer_above_the_core():
    searched = {path.relative_to(ROOT).parts[0] for path in project_files()}
    assert {"infocenter", "lending", "clusterfinance", "portals", "platform4a1c"} <= searched
    assert "agents" not in searched


def test_no_app_but_the_core_spells_the_cluster_membership_lookup():
    offences = []
    for path in project_files():
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            name = path.relative_to(ROOT).as_posix()
            for match in PATTERN.finditer(line):
                if (name, match.group(0)) not in NOT_A_MEMBERSHIP:
                    offences.append(f"{name}:{number}: {match.group(0)} in {line.strip()!r}")
    assert not offences, (
        "Ask the core who is a member of a cluster (agents.models.cluster_members_q, current_membership_q, "
        "clusters_of_agent_q, current_cluster_ids) instead of spelling the lookup:\n" + "\n".join(offences)
    )

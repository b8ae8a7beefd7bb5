"""The events the rewards and penalties write into the centre's outbox (declared when
``ClusterFinanceConfig.ready()`` imports this module). Both re-score the firm they are about, so
the rating sees a penalty or a reward at once (payload: application_id, rule_id, rule_kind,
effect, finance_company_id; a release names the suspension it ends in ``releases``)."""

from infocenter.event_kinds import event_kind_declare

SANCTION_APPLIED = event_kind_declare("sanction.applied", owner="clusterfinance", rescores_subject=True)
SANCTION_RELEASED = event_kind_declare("sanction.released", owner="clusterfinance", rescores_subject=True)

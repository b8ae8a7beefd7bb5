"""Pages of the centre (issue 4 core): modules, publications, reports, consent, dossier, search,
subscriptions, notifications and alerts. Bulk import/export pages live in ``infocenter.imports``."""

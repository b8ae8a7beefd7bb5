"""HTML views of the centre, one module per area: the front page, modules and publications,
reports, consent, dossier and search, notifications and alerts, API tokens. Bulk import pages
live in ``infocenter.imports.views``."""

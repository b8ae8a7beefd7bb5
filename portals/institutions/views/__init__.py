"""HTML views of the institutions portal, one module per page."""

from .home import InstitutionPortalView

__all__ = ["InstitutionPortalView"]

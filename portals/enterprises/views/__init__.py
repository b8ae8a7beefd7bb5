"""HTML views of the enterprises portal, one module per page."""

from .home import EnterprisePortalView

__all__ = ["EnterprisePortalView"]

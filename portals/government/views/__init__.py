"""HTML views of the government portal, one module per page."""

from .home import GovernmentPortalView

__all__ = ["GovernmentPortalView"]

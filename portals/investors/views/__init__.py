"""HTML views of the investors portal, one module per page."""

from .home import InvestorPortalView

__all__ = ["InvestorPortalView"]

"""HTML views of the investors portal, one module per page."""

from .holdings import HoldingCancelView, HoldingDetailView, PortfolioExportView, PortfolioView
from .home import InvestorPortalView
from .opportunities import OpportunityConfirmView, OpportunityDetailView, OpportunityListView
from .suitability import SuitabilityView

__all__ = ["HoldingCancelView", "HoldingDetailView", "InvestorPortalView", "OpportunityConfirmView",
           "OpportunityDetailView", "OpportunityListView", "PortfolioExportView", "PortfolioView", "SuitabilityView"]

"""The capability of the cross-shareholding records (``record_shareholding``) is declared by
lending with the facts it guards (``lending.permissions``): the finance company's staff or an
institution's officers and managers record shareholdings and seconded managers."""

from lending.permissions import RECORD_SHAREHOLDING

__all__ = ["RECORD_SHAREHOLDING"]

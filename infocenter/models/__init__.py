"""Models of the centre (issue 4), one module per aggregate."""

from .api import ApiToken, IdempotencyKey  # noqa: F401
from .imports import ImportJob  # noqa: F401
from .records import FirmRecord  # noqa: F401

"""Models of the centre, one module per aggregate."""

from .api import ApiToken, IdempotencyKey  # noqa: F401
from .consent import AccessLog, Consent, ConsentCategory  # noqa: F401
from .events import Event, EventDelivery  # noqa: F401
from .imports import ImportJob  # noqa: F401
from .notifications import Alert, Notification, NotificationPreference, Subscription  # noqa: F401
from .publications import Publication  # noqa: F401
from .records import FirmRecord  # noqa: F401
from .reports import Report  # noqa: F401
from .summaries import Summary  # noqa: F401

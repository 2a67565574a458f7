"""Public face of the satisfaction-survey statistics; the code lives in ``serviceloop.analytics.survey``
(split into modules by topic). Import from either."""

from serviceloop.analytics.survey import *  # noqa: F403
from serviceloop.analytics.survey import __all__  # noqa: F401

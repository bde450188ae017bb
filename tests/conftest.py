"""Hypothesis profiles: ``ci`` (CI=true) runs >= 1,000 cases per property without an explicit
``max_examples``; ``dev`` (the default) a quick 100."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI", "").lower() == "true" else "dev")

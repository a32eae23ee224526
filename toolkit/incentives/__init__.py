"""Incentives pillar (SPEC §2.5, §4.3, §4.4): is each team paid on outcomes both share?

* :func:`load_plan` / :func:`validate_plan` — read and check the compensation plan;
* :func:`measure_incentives` — the ``incentives`` section of the results;
* :func:`reward_split` / :func:`won_deals` — who gets paid for marketing-sourced wins;
* :func:`what_if` — plan changes in, new split and added cost out (report and workshop).
"""

from .measures import measure_incentives
from .plan import (APPLIES_TO, METRICS, SHARED_METRICS, SIDE_OF_TEAM, VOLUME_METRICS,
                   load_plan, validate_plan)
from .split import reward_split, won_deals
from .structure import STRUCTURE_POINTS
from .flags import THRESHOLDS
from .whatif import what_if

__all__ = ["APPLIES_TO", "METRICS", "SHARED_METRICS", "SIDE_OF_TEAM",
           "STRUCTURE_POINTS", "THRESHOLDS", "VOLUME_METRICS", "load_plan",
           "measure_incentives", "reward_split", "validate_plan", "what_if", "won_deals"]

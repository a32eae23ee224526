"""Survey measures (SPEC §4.1): scoring, reliability, side comparisons, drivers, privacy."""

from .measures import measure_survey

__all__ = ["measure_survey"]

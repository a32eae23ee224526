"""CRM evidence (SPEC §4.2): funnel, hand-off, speed, persistence, dose–response, lead
quality. The entry point is :func:`measure_crm`."""

from .measures import measure_crm

__all__ = ["measure_crm"]

"""The hook specifications, where plugins have always imported them: see `govbiz.ports.hooks`."""

from govbiz.ports.hooks import (
    PROJECT,
    govbiz_calendar_data,
    govbiz_contact_ciphers,
    govbiz_county_profile,
    govbiz_deadline_policy,
    govbiz_events_committed,
    govbiz_hash_algorithms,
    govbiz_local_days,
    govbiz_notification_channels,
    govbiz_register_commands,
    govbiz_report_formats,
    govbiz_signature_key,
    govbiz_storage,
    hookimpl,
    hookspec,
)

__all__ = [
    "PROJECT",
    "govbiz_calendar_data",
    "govbiz_contact_ciphers",
    "govbiz_county_profile",
    "govbiz_deadline_policy",
    "govbiz_events_committed",
    "govbiz_hash_algorithms",
    "govbiz_local_days",
    "govbiz_notification_channels",
    "govbiz_register_commands",
    "govbiz_report_formats",
    "govbiz_signature_key",
    "govbiz_storage",
    "hookimpl",
    "hookspec",
]

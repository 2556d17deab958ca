"""The ports (端口): everything an adapter implements or a hook returns, in one place.

A county brings its own database, messaging, reports and cryptography as
plugins; each implements one of these and is found through a hook whose
specification is beside them:

* `govbiz.ports.storage`: `Store` and `UnitOfWork` (a database), with the
  queries they answer (`ProblemQuery`, `WarningClock`) and the records they keep;
* `govbiz.ports.outbox`: `Outbox` and `OutboxEntry` (notifications that must not be lost);
* `govbiz.ports.channel`: `NotificationChannel`, `Notification`, `DeliveryError`;
* `govbiz.ports.report_format`: `ReportFormat`, `Report`, `TableReader`;
* `govbiz.ports.hasher`: `Hasher` (the audit chain's hash function, e.g. SM3);
* `govbiz.ports.hooks`: the hook specifications that return or register them.

The parts of a county profile (`govbiz.profile.CountyProfile`, its deadline
policy and notification settings) are values, not ports: a plugin returns
them from `govbiz_county_profile` and `govbiz_deadline_policy`.

Nothing here does I/O; each module imports the domain and the other ports only.
"""

"""Testing helpers shipped with govbiz, for plugin authors and county systems.

* `govbiz.testing.pytest_plugin`: pytest fixtures (loaded automatically when
  govbiz is installed): a plugin manager, a ledger on a fresh in-memory store
  with a controllable clock, `register_plugin`, and a notification channel
  that captures messages.
* `govbiz.testing.contract`: the storage contract suite (`StorageContract`)
  that every storage adapter, built-in or third-party, runs against itself;
* `govbiz.testing.contention`: `BarrierStore`, to make processes race to commit;
* `govbiz.testing.migrations` and `govbiz.testing.sql`: checks for a SQL
  store's migrations from the first schema forward.

The documentation's "Testing your plugin" tutorial lists every fixture
with an example.
"""

"""Testing helpers shipped with govbiz, for plugin authors and county systems.

* `govbiz.testing.pytest_plugin`: pytest fixtures (loaded automatically when
  govbiz is installed): a plugin manager, a ledger on a fresh in-memory store
  with a controllable clock, `register_plugin`, and a notification channel
  that captures messages.
* `govbiz.testing.contract`: the storage contract suite (`StorageContract`)
  that every storage adapter, built-in or third-party, runs against itself.
"""

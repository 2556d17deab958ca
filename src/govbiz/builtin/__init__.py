"""govbiz's own adapters, registered as ordinary plugins (see `govbiz.plugins.DEFAULT_PLUGINS`)."""

"""The dialer contract: the suppression check and its in-memory index, the change feed, the export, webhooks."""

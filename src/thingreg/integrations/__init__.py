"""Optional integrations with the systems devices are plugged into; each is off unless
configured, and ``core`` knows none of them."""

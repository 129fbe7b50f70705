"""thingreg: an open registry for the Internet of Things (a W3C WoT Thing Description Directory)."""

__version__ = "0.1.0"

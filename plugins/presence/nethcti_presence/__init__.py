"""nethcti plugin: user and main presence, user settings, and the /user API."""

"""nethcti plugin: videoconference room URLs for users, and invitation e-mails."""

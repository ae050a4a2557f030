"""nethcti plugin: off-hour rules of the inbound routes and their announcements."""

"""nethcti plugin ``queuestats``: queue statistics, recall lists and alarms from Asterisk's queue_log."""

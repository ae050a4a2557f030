"""``nethcti import-nethvoice``: the original nethcti-server's /etc/nethcti turned into conf.d drop-ins."""

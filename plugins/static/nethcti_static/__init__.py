"""nethcti plugin: one-shot public downloads under /static."""

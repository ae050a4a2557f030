"""nethcti plugin: customer cards, a read-only SQL query rendered by a sandboxed template, per caller number."""

"""nethcti plugin: testing a database connection, as the customer card admin page does."""

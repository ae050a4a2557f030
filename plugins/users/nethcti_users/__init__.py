"""nethcti plugin: the users, their endpoints and their profiles' permissions."""

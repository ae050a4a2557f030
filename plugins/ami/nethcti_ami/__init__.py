"""nethcti plugin: the AMI link to Asterisk, its event dispatch and the action service."""

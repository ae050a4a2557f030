"""nethcti plugin: the live PBX model kept from AMI events, and the /astproxy read API."""

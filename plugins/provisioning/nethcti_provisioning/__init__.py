"""nethcti plugin: FreePBX provisioning and Tancredi pass-through."""

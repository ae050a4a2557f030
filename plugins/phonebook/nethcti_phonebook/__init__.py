"""nethcti plugin: the /phonebook API, contacts in NethVoice's cti_phonebook table and its centralized phonebook."""

"""nethcti plugin: voicemail messages and greetings of app_voicemail, and their live counters."""

"""nethcti plugin: authentication (nonce login, HMAC tokens, persistent tokens) and route permissions."""

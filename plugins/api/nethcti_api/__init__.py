"""The /api front: nethcti-middleware's JWT login, TOTP 2FA and token API, served by nethcti itself."""

"""nethcti-websocket: the socket.io event stream of the NethVoice clients."""

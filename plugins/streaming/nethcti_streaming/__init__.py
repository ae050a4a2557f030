"""nethcti plugin: video sources (door phones, cameras), their frames on socket.io, and the /streaming API."""

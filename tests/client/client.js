#!/usr/bin/env node
// A socket.io client that behaves as phone-island's (src/components/Socket.tsx): websocket transport only,
// no upgrade, reconnection every 2 s, `login` on every connect, `ping` with an ack every 5 s after authe_ok.
// It never sends takeOverAck, as phone-island.
//
//   node client.js URL [--login L --token T --ua desktop] [--ping-ms 5000] [--no-reconnect]
//
// Every event received is printed on stdout as one JSON line {"event", "data"} (connect, disconnect with its
// reason, connect_error, ack of a ping as "pong"). Commands are read from stdin, one JSON object a line:
//   {"login": {...}}                   payload of the next logins (e.g. a new token)
//   {"emit": "message", "data": {...}} emit an event
//   {"close": true}                    disconnect and exit (so does the end of stdin)
"use strict";

const readline = require("readline");
const { io } = require("socket.io-client");

function parseArgs(argv) {
  const options = { url: argv[0], login: null, token: null, ua: "desktop", pingMs: 5000, reconnect: true };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--login") options.login = argv[++i];
    else if (arg === "--token") options.token = argv[++i];
    else if (arg === "--ua") options.ua = argv[++i];
    else if (arg === "--ping-ms") options.pingMs = Number(argv[++i]);
    else if (arg === "--no-reconnect") options.reconnect = false;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.url) throw new Error("usage: client.js URL [--login L --token T --ua desktop]");
  return options;
}

function print(event, data) {
  process.stdout.write(JSON.stringify({ event, data: data === undefined ? null : data }) + "\n");
}

const options = parseArgs(process.argv.slice(2));
let loginPayload = options.login === null ? null
  : { accessKeyId: options.login, token: options.token, uaType: options.ua };
let pingTimer = null;

const socket = io(options.url, {
  upgrade: false,
  transports: ["websocket"],
  reconnection: options.reconnect,
  reconnectionDelay: 2000,
});

function stopPing() {
  if (pingTimer !== null) clearInterval(pingTimer);
  pingTimer = null;
}

socket.on("connect", () => {
  print("connect", null);
  if (loginPayload !== null) socket.emit("login", loginPayload);
});
socket.on("disconnect", (reason) => {
  stopPing();
  print("disconnect", reason);
});
socket.on("connect_error", (err) => print("connect_error", String(err && err.message)));
socket.on("authe_ok", (data) => {
  print("authe_ok", data);
  stopPing();
  pingTimer = setInterval(() => socket.emit("ping", () => print("pong", null)), options.pingMs);
});
socket.onAny((event, ...args) => {
  if (event !== "authe_ok") print(event, args.length === 1 ? args[0] : args.length ? args : null);
});

function close() {
  stopPing();
  socket.disconnect();
  process.exit(0);
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  const command = JSON.parse(line);
  if (command.login !== undefined) loginPayload = command.login;
  if (command.emit !== undefined) socket.emit(command.emit, command.data);
  if (command.close) close();
}).on("close", close);

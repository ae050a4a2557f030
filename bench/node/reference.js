// The reference of bench/fanout.py: the original's socket.io server library (socket.io 3, Engine.IO 4, as
// nethcti-server) doing what nethcti does for a fan-out: read DeviceStateChange from AMI and send extenUpdate,
// with the original's extension JSON, to every logged-in socket.
//
//   node bench/node/reference.js PORT AMI_PORT AMI_USERNAME AMI_SECRET
//
// Logins are accepted without checking the token (the original's check is one map lookup); a socket joins the
// room of the original's extension events at login, as nethcti-server's com_nethcti_ws does.
"use strict";

const http = require("http");
const net = require("net");
const { Server } = require("socket.io");

const [port, amiPort, amiUsername, amiSecret] = process.argv.slice(2);
const ROOM = "extensions_ast_evt_clear";
// nethcti-server's names for Asterisk's device states (astproxy: extension status)
const STATUS = { INUSE: "busy", NOT_INUSE: "online", RINGING: "ringing", ONHOLD: "onhold", UNAVAILABLE: "offline" };

const httpServer = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const io = new Server(httpServer, { path: "/socket.io", cors: { origin: "*" } });

io.on("connection", (socket) => {
  socket.on("login", (data) => {
    if (!data || typeof data.accessKeyId !== "string" || typeof data.token !== "string") {
      socket.emit("401", { message: "unauthorized access" });
      return;
    }
    socket.join(ROOM);
    socket.emit("authe_ok", { message: "authorized successfully" });
  });
});

function extension(exten, status) {
  // the fields and their order as the original's /astproxy/extension/:id answers
  return {
    ip: "127.0.0.1", cf: "", mac: "", cfb: "", cfu: "", dnd: false, cfVm: "", port: "5060",
    name: `User ${exten}`, cfbVm: "", cfuVm: "", exten, codecs: ["ulaw", "alaw"], status,
    context: "from-internal", chanType: "pjsip", username: `u${exten}`, sipuseragent: null, conversations: {},
  };
}

function onEvent(fields) {
  if (fields.Event !== "DeviceStateChange" || !fields.Device.startsWith("PJSIP/")) return;
  const exten = fields.Device.slice("PJSIP/".length);
  io.to(ROOM).emit("extenUpdate", extension(exten, STATUS[fields.State] || "online"));
}

const ami = net.connect(Number(amiPort), "127.0.0.1", () => {
  ami.write(`Action: Login\r\nUsername: ${amiUsername}\r\nSecret: ${amiSecret}\r\nEvents: on\r\n\r\n`);
});
let buffer = "";
ami.setEncoding("utf8");
ami.on("data", (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf("\r\n\r\n")) !== -1) {
    const fields = {};
    for (const line of buffer.slice(0, end).split("\r\n")) {
      const sep = line.indexOf(": ");
      if (sep > 0) fields[line.slice(0, sep)] = line.slice(sep + 2);
    }
    buffer = buffer.slice(end + 4);
    if (fields.Event) onEvent(fields);
  }
});
ami.on("error", (err) => { console.error(`AMI: ${err.message}`); process.exit(1); });
process.on("SIGTERM", () => process.exit(0));
httpServer.listen(Number(port), "127.0.0.1");

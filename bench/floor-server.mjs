// The floor for the gateway benchmark: a bare node:http + ws server on one port, started the same way
// (a Node process that prints when it listens). It answers /readyz, sends a challenge, and answers every
// request frame with a tiny ok response, so the same client can drive both servers.
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const server = createServer((req, res) => {
  res.writeHead(req.url === "/readyz" || req.url === "/healthz" ? 200 : 404, { "Content-Type": "application/json" });
  res.end('{"ok":true}');
});
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => {
  ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: Date.now() } }));
  ws.on("message", (data) => {
    const frame = JSON.parse(data.toString());
    ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { ok: true, ts: Date.now() } }));
  });
});
server.listen(port, "127.0.0.1", () => process.stderr.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));

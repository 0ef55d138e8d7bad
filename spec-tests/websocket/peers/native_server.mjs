// An echo server on the runtime's built-in WebSocket server (Deno.upgradeWebSocket, Bun.serve):
// `deno run -A native_server.mjs` or `bun native_server.mjs [deflate]`. Prints "READY <port>", echoes
// every message as it came (text or binary), closes with 4321 "bye from <runtime>" when it receives
// the text "close-me", and prints "CLOSED <code> <reason>" when a connection ends.
const isDeno = globalThis.Deno !== undefined;
const args = isDeno ? Deno.args : process.argv.slice(2);
const deflate = args.includes("deflate");
const bye = `bye from ${isDeno ? "deno" : "bun"}`;

if (isDeno) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: ({ port }) => console.log(`READY ${port}`) }, (req) => {
    const offered = req.headers.get("sec-websocket-protocol");
    const { socket, response } = Deno.upgradeWebSocket(req, offered ? { protocol: offered.split(",")[0].trim() } : {});
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => (e.data === "close-me" ? socket.close(4321, bye) : socket.send(e.data));
    socket.onclose = (e) => console.log(`CLOSED ${e.code} ${e.reason}`);
    return response;
  });
  setTimeout(() => server.shutdown(), 30_000);
} else {
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req, srv) {
      const offered = req.headers.get("sec-websocket-protocol");
      const headers = offered ? { "Sec-WebSocket-Protocol": offered.split(",")[0].trim() } : undefined;
      return srv.upgrade(req, { headers }) ? undefined : new Response("websocket only", { status: 400 });
    },
    websocket: {
      perMessageDeflate: deflate,
      maxPayloadLength: 64 * 1024 * 1024,
      message(ws, m) {
        if (m === "close-me") ws.close(4321, bye);
        else ws.send(m, deflate);
      },
      close(_ws, code, reason) {
        console.log(`CLOSED ${code} ${reason}`);
      },
    },
  });
  console.log(`READY ${server.port}`);
  setTimeout(() => server.stop(true), 30_000).unref?.();
}

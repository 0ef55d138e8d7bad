// A WebSocket client using the runtime's built-in WebSocket (Deno, Bun): run as
// `deno run -A native_client.mjs URL` or `bun native_client.mjs URL` against our echo server.
// Prints "OK ..." per check and exits 0, or prints "FAIL ..." and exits 1.
const url = (globalThis.Deno ? Deno.args : process.argv.slice(2))[0];
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

function fail(msg) {
  console.log("FAIL " + msg);
  if (globalThis.Deno) Deno.exit(1);
  else process.exit(1);
}

function payload(n, seed) {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x21 + ((i * 31 + seed) % 90);
  return out;
}

const ws = new WebSocket(url, ["native"]);
ws.binaryType = "arraybuffer";
const inbox = [];
let waiter = null;
ws.onmessage = (e) => {
  inbox.push(e.data);
  if (waiter) waiter();
};
const closed = new Promise((resolve) => (ws.onclose = (e) => resolve(e)));
ws.onerror = () => {};
const next = () =>
  new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("no message within 5 s")), 5000);
    const check = () => {
      if (inbox.length) {
        clearTimeout(t);
        waiter = null;
        resolve(inbox.shift());
      }
    };
    waiter = check;
    check();
  });

try {
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    setTimeout(() => reject(new Error("open timed out")), 5000);
  });
  if (ws.protocol !== "native") fail(`protocol ${ws.protocol}`);
  console.log("OK open " + ws.protocol);
  for (const n of SIZES) {
    const bytes = payload(n, n);
    const text = new TextDecoder().decode(bytes);
    ws.send(text);
    const t = await next();
    if (typeof t !== "string" || t !== text) fail(`text ${n}`);
    ws.send(bytes);
    const b = new Uint8Array(await next());
    if (b.length !== n || b.some((x, i) => x !== bytes[i])) fail(`binary ${n}`);
    console.log("OK size " + n);
  }
  ws.close(4005, "native bye");
  const ev = await closed;
  console.log(`OK closed ${ev.code} ${ev.wasClean}`);
} catch (e) {
  fail(String(e));
}
if (globalThis.Deno) Deno.exit(0);
else process.exit(0);

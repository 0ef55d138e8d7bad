// A message that compresses about as a game's JSON state does (repeated field names, varying
// numbers): the payload of the permessage-deflate echo rows, the same bytes for every harness.

/** `size` bytes of JSON-like state, deterministic. */
export function gameStateText(size: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < size; i++) text += `{"id":${i % 64},"x":${(i * 37) % 1000},"y":${(i * 91) % 1000},"hp":${(i * 13) % 100}},`;
  return new TextEncoder().encode(text).subarray(0, size);
}

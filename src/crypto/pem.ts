/** PEM armor (RFC 7468): base64 between BEGIN/END lines, and back. */

const BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/g;

export interface PemBlock {
  label: string;
  der: Uint8Array;
}

function fromBase64(text: string): Uint8Array {
  const clean = text.replace(/[\r\n\t ]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new TypeError("PEM body is not base64");
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(der: Uint8Array): string {
  let s = "";
  for (let i = 0; i < der.length; i += 0x8000) s += String.fromCharCode(...der.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Every PEM block in `text`, in order. */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m; m = BEGIN.exec(text)) {
    const label = m[1]!;
    const endMarker = `-----END ${label}-----`;
    const end = text.indexOf(endMarker, m.index);
    if (end < 0) throw new TypeError(`PEM block ${label} has no END line`);
    out.push({ label, der: fromBase64(text.slice(m.index + m[0].length, end)) });
    BEGIN.lastIndex = end + endMarker.length;
  }
  return out;
}

export function encodePem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * The `Sec-WebSocket-Extensions` header (RFC 6455 section 9.1): a comma-separated list of
 * extensions, each a token followed by `; name` or `; name=value` parameters, a value being a
 * token or a quoted string whose unescaped text is a token. Repeated header lines arrive
 * comma-joined (http-parse.ts), which is the same list.
 */
import { HTTP_TOKEN, HTTP_TOKEN_CHAR } from "./http-parse.ts";

/** One extension of the list, in the order it was written. */
export interface ExtensionElement {
  /** Lower-cased: extension names are compared case-insensitively here, as header tokens are. */
  readonly name: string;
  /** Parameters in order; a parameter given without a value has the value `true`. */
  readonly params: readonly (readonly [name: string, value: string | true])[];
}

/**
 * Parse a header value; null when it breaks the grammar (the whole header is then refused, as a
 * handshake with a malformed extension list must be).
 */
export function parseExtensionHeader(value: string | undefined): ExtensionElement[] | null {
  const out: ExtensionElement[] = [];
  if (value === undefined) return out;
  let i = 0;
  const n = value.length;
  const skipSpace = (): void => {
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
  };
  const token = (): string | null => {
    const start = i;
    while (i < n && HTTP_TOKEN_CHAR.test(value[i]!)) i++;
    return i > start ? value.slice(start, i) : null;
  };
  const quoted = (): string | null => {
    // At the opening quote; a backslash escapes the next character (RFC 7230 quoted-pair).
    i++;
    let text = "";
    while (i < n && value[i] !== '"') {
      if (value[i] === "\\") i++;
      if (i >= n) return null;
      text += value[i++];
    }
    if (i >= n) return null;
    i++;
    return HTTP_TOKEN.test(text) ? text : null;
  };
  for (;;) {
    skipSpace();
    // Empty list elements (", ,") are allowed by the #rule and skipped.
    if (i < n && value[i] === ",") {
      i++;
      continue;
    }
    if (i >= n) break;
    const name = token();
    if (name === null) return null;
    const params: [string, string | true][] = [];
    skipSpace();
    while (i < n && value[i] === ";") {
      i++;
      skipSpace();
      const param = token();
      if (param === null) return null;
      skipSpace();
      let paramValue: string | true = true;
      if (i < n && value[i] === "=") {
        i++;
        skipSpace();
        const v = i < n && value[i] === '"' ? quoted() : token();
        if (v === null) return null;
        paramValue = v;
        skipSpace();
      }
      params.push([param.toLowerCase(), paramValue]);
    }
    if (i < n && value[i] !== ",") return null;
    out.push({ name: name.toLowerCase(), params });
  }
  return out;
}

/** Write one extension with its parameters (values are tokens, so never quoted). */
export function formatExtension(e: ExtensionElement): string {
  let s = e.name;
  for (const [name, value] of e.params) s += value === true ? `; ${name}` : `; ${name}=${value}`;
  return s;
}

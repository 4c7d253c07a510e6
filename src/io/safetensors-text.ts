/**
 * The text layer under the safetensors header: a strict UTF-8 codec and a strict JSON parser.
 *
 * Why not TextDecoder and JSON.parse: this file must compile without DOM or Node types, and
 * JSON.parse silently keeps the last of two duplicate keys, silently rounds integers past 2^53 and
 * accepts `1e2` where the reference reader (serde_json into usize) wants a plain integer. A model
 * file whose header means two things to two readers is refused here instead.
 *
 * It does not know what a safetensors header contains; safetensors.ts checks the meaning.
 */

/** A JSON number that is not a plain integer in the safe range; kept as written so messages can show it. */
export class JsonNumberText {
  constructor(readonly text: string) {}
}

/** Objects come back with a null prototype, so a key such as "__proto__" is just a key. */
export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = null | boolean | string | number | JsonNumberText | JsonValue[] | JsonObject;

/** A syntax error, with the character index where it was found. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly detail: string,
    readonly index: number,
  ) {
    super(`${detail} at character ${index}`);
  }
}

/** Decodes UTF-8, refusing overlong forms, surrogates, code points past U+10FFFF and cut sequences. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  const n = bytes.length;
  // Never more UTF-16 units than UTF-8 bytes.
  const units = new Uint16Array(n);
  let u = 0;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      units[u++] = b0;
      i++;
      continue;
    }
    let cp: number;
    let len: number;
    let min: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      cp = b0 & 0x1f;
      len = 2;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      cp = b0 & 0x0f;
      len = 3;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      cp = b0 & 0x07;
      len = 4;
      min = 0x10000;
    } else {
      throw new Utf8Error(`byte 0x${hex2(b0)} cannot start a UTF-8 sequence`, i);
    }
    if (i + len > n) throw new Utf8Error(`UTF-8 sequence starting with 0x${hex2(b0)} is cut off by the end`, i);
    for (let k = 1; k < len; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) throw new Utf8Error(`byte 0x${hex2(b)} is not a UTF-8 continuation byte`, i + k);
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min) throw new Utf8Error('overlong UTF-8 encoding', i);
    if (cp > 0x10ffff) throw new Utf8Error(`code point U+${cp.toString(16).toUpperCase()} is past U+10FFFF`, i);
    if (cp >= 0xd800 && cp <= 0xdfff) throw new Utf8Error('UTF-8 encoded surrogate', i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      units[u++] = 0xd800 + (cp >> 10);
      units[u++] = 0xdc00 + (cp & 0x3ff);
    } else {
      units[u++] = cp;
    }
    i += len;
  }
  // In chunks: String.fromCharCode takes its arguments on the stack.
  const parts: string[] = [];
  for (let k = 0; k < u; k += 8192) parts.push(String.fromCharCode(...units.subarray(k, Math.min(u, k + 8192))));
  return parts.join('');
}

/** A UTF-8 error, with the byte index where it was found. */
export class Utf8Error extends Error {
  constructor(
    readonly detail: string,
    readonly index: number,
  ) {
    super(`${detail} at byte ${index}`);
  }
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** Index of the first lone surrogate in `s`, or -1 when `s` is well-formed Unicode. */
export function loneSurrogateIndex(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

/** Encodes well-formed Unicode as UTF-8 (callers check for lone surrogates first). */
export function encodeUtf8(s: string): Uint8Array {
  const out = new Uint8Array(s.length * 3);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp < 0x80) {
      out[n++] = cp;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp < 0x800) {
      out[n++] = 0xc0 | (cp >> 6);
    } else if (cp < 0x10000) {
      out[n++] = 0xe0 | (cp >> 12);
      out[n++] = 0x80 | ((cp >> 6) & 0x3f);
    } else {
      out[n++] = 0xf0 | (cp >> 18);
      out[n++] = 0x80 | ((cp >> 12) & 0x3f);
      out[n++] = 0x80 | ((cp >> 6) & 0x3f);
    }
    if (cp >= 0x80) out[n++] = 0x80 | (cp & 0x3f);
  }
  return out.slice(0, n);
}

/** Deep enough for any safetensors header (root, tensor, shape); deeper input is refused, not recursed into. */
const MAX_DEPTH = 32;

/**
 * Parses RFC 8259 JSON strictly: no duplicate keys, no lone surrogate escapes, nothing after the
 * value but whitespace. Integers in the safe range come back as numbers, every other number as
 * JsonNumberText.
 */
export function parseJsonStrict(text: string): JsonValue {
  let i = 0;
  const fail = (detail: string, at = i): never => {
    throw new JsonSyntaxError(detail, at);
  };
  const show = (at: number): string => (at < text.length ? JSON.stringify(text[at]) : 'the end of the header');
  const skipWs = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const expect = (ch: string, what: string): void => {
    if (text[i] !== ch) fail(`expected ${what}, got ${show(i)}`);
    i++;
  };

  const parseString = (): string => {
    const start = i;
    expect('"', 'a string');
    let out = '';
    let runStart = i;
    for (;;) {
      if (i >= text.length) fail('string is not closed', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(runStart, i);
        i++;
        break;
      }
      if (c < 0x20) fail(`control character U+${c.toString(16).padStart(4, '0')} must be escaped in a string`);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(runStart, i);
      const e = text[i + 1];
      i += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hi = readHex4();
          if (hi >= 0xdc00 && hi <= 0xdfff) fail('lone low surrogate escape', i - 6);
          if (hi >= 0xd800 && hi <= 0xdbff) {
            if (text[i] !== '\\' || text[i + 1] !== 'u') fail('high surrogate escape not followed by a low one', i - 6);
            i += 2;
            const lo = readHex4();
            if (lo < 0xdc00 || lo > 0xdfff) fail('high surrogate escape not followed by a low one', i - 12);
            out += String.fromCharCode(hi, lo);
          } else {
            out += String.fromCharCode(hi);
          }
          break;
        }
        default:
          fail(`invalid escape \\${e ?? ''}`, i - 2);
      }
      runStart = i;
    }
    return out;
  };
  const readHex4 = (): number => {
    const h = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail(`expected 4 hex digits after \\u, got ${JSON.stringify(h)}`);
    i += 4;
    return parseInt(h, 16);
  };

  const parseNumber = (): number | JsonNumberText => {
    const m = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
    m.lastIndex = i;
    const r = m.exec(text);
    if (r === null) return fail(`expected a value, got ${show(i)}`);
    i += r[0].length;
    const v = Number(r[0]);
    if (r[1] === undefined && r[2] === undefined && Number.isSafeInteger(v)) return v === 0 ? 0 : v;
    return new JsonNumberText(r[0]);
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: JsonObject = Object.create(null) as JsonObject;
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        const keyAt = i;
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key ${JSON.stringify(key)}`, keyAt);
        skipWs();
        expect(':', "':' after an object key");
        obj[key] = parseValue(depth + 1);
        skipWs();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail(`expected ',' or '}' in an object, got ${show(i)}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail(`expected ',' or ']' in an array, got ${show(i)}`);
      }
    }
    if (c === '"') return parseString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return value;
      }
    }
    return parseNumber();
  };

  const value = parseValue(0);
  skipWs();
  if (i < text.length) fail(`unexpected ${show(i)} after the JSON value`);
  return value;
}

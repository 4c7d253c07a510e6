import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  JsonNumberText,
  JsonSyntaxError,
  Utf8Error,
  decodeUtf8Strict,
  encodeUtf8,
  loneSurrogateIndex,
  parseJsonStrict,
} from './safetensors-text.js';
import type { JsonValue } from './safetensors-text.js';

/** Back to what JSON.parse would give, so the two parsers can be compared. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumberText) return Number(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('UTF-8 codec', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  it('round-trips well-formed strings and matches TextEncoder', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const bytes = encodeUtf8(s);
        expect(bytes).toEqual(new TextEncoder().encode(s));
        expect(decodeUtf8Strict(bytes)).toBe(s);
      }),
    );
  });

  it('accepts and refuses exactly what a fatal TextDecoder does, on random bytes', () => {
    const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }), fc.constantFrom(0xc0, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5));
    fc.assert(
      fc.property(fc.array(byteArb, { maxLength: 12 }), (arr) => {
        const bytes = Uint8Array.from(arr);
        let want: string | null;
        try {
          want = fatal.decode(bytes);
        } catch {
          want = null;
        }
        if (want === null) expect(() => decodeUtf8Strict(bytes)).toThrow(Utf8Error);
        else expect(decodeUtf8Strict(bytes)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['overlong "/"', [0xc0, 0xaf], 'byte 0xc0 cannot start a UTF-8 sequence at byte 0'],
    ['overlong 3-byte', [0xe0, 0x80, 0xaf], 'overlong UTF-8 encoding at byte 0'],
    ['encoded surrogate', [0x61, 0xed, 0xa0, 0x80], 'UTF-8 encoded surrogate at byte 1'],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 'code point U+110000 is past U+10FFFF at byte 0'],
    ['cut off', [0x61, 0xe2, 0x82], 'UTF-8 sequence starting with 0xe2 is cut off by the end at byte 1'],
    ['bad continuation', [0xe2, 0x41, 0x82], 'byte 0x41 is not a UTF-8 continuation byte at byte 1'],
  ])('refuses %s', (_what, bytes, message) => {
    expect(() => decodeUtf8Strict(Uint8Array.from(bytes))).toThrow(message);
  });

  it('decodes long text (past the 8192-unit flush) intact', () => {
    const s = 'é€😀a'.repeat(5000);
    expect(decodeUtf8Strict(encodeUtf8(s))).toBe(s);
  });

  it('finds lone surrogates', () => {
    expect(loneSurrogateIndex('a😀b')).toBe(-1);
    expect(loneSurrogateIndex('ab\ud800')).toBe(2);
    expect(loneSurrogateIndex('\udc00x')).toBe(0);
    expect(loneSurrogateIndex('x\ud800y')).toBe(1);
  });
});

describe('parseJsonStrict', () => {
  it('agrees with JSON.parse on random JSON text', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        expect(plain(parseJsonStrict(text))).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses whatever JSON.parse refuses (random mutations of valid JSON)', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '0', '-', '.', 'e', 'x', '\u0001'), (text, pos, ch) => {
        const at = pos % (text.length + 1);
        const bad = text.slice(0, at) + ch + text.slice(at);
        let ok = true;
        try {
          JSON.parse(bad);
        } catch {
          ok = false;
        }
        if (!ok) expect(() => parseJsonStrict(bad)).toThrow(JsonSyntaxError);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps plain safe integers as numbers and everything else as written', () => {
    expect(parseJsonStrict('[0, -0, 12, 9007199254740991, 9007199254740992, 1.0, 1e2, -3]')).toEqual([
      0, 0, 12, 9007199254740991, new JsonNumberText('9007199254740992'), new JsonNumberText('1.0'), new JsonNumberText('1e2'), -3,
    ]);
  });

  it.each([
    ['duplicate keys', '{"a":1,"b":2,"a":3}', 'duplicate key "a" at character 13'],
    ['duplicate after escape', '{"a":1,"\\u0061":2}', 'duplicate key "a" at character 7'],
    ['lone low surrogate', '"\\udc00"', 'lone low surrogate escape at character 1'],
    ['high surrogate alone', '"\\ud800x"', 'high surrogate escape not followed by a low one at character 1'],
    ['bad escape', '"\\x"', 'invalid escape \\x at character 1'],
    ['raw control character', '"a\nb"', 'control character U+000a must be escaped in a string at character 2'],
    ['unclosed string', '{"abc', 'string is not closed at character 1'],
    ['leading zero', '01', 'unexpected "1" after the JSON value at character 1'],
    ['empty', '', 'expected a value, got the end of the header at character 0'],
    ['trailing comma', '[1,]', 'expected a value, got "]" at character 3'],
    ['too deep', '['.repeat(40), 'nesting deeper than 32 levels at character 33'],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseJsonStrict(text)).toThrow(message);
  });

  it('gives objects a null prototype so "__proto__" is an ordinary key', () => {
    const v = parseJsonStrict('{"__proto__":{"x":1}}') as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});

/**
 * Streaming text decoding with encoding detection.
 *
 * Rule: a declared `'utf-8'` is strict UTF-8. For `'auto'`, `'cp949'` and `'euc-kr'` the bytes are
 * UTF-8 if they are valid UTF-8, otherwise CP949 — when declared, or (auto) when the first
 * non-ASCII chunk decodes as CP949 without a single invalid sequence. Because ASCII is the same
 * in both, the decision waits for the first non-ASCII byte, so a file whose Korean text starts
 * after a megabyte of ASCII is still detected. EUC-KR is decoded as its superset CP949 (what
 * Windows writes when it says "EUC-KR"). A UTF-8 BOM is stripped; a UTF-16 BOM is rejected.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** What a caller may declare. */
export type DeclaredEncoding = 'utf-8' | 'cp949' | 'euc-kr' | 'auto';
/** What the bytes were decoded as. `undefined` while only ASCII has been seen. */
export type DetectedEncoding = 'utf-8' | 'cp949';

/** Thrown by {@link TextChunkDecoder} with the number of newlines before the bad byte. */
export class UndecodableBytes extends Error {
  constructor(
    /** Newline (0x0A) count in the current chunk before the offending position. */
    readonly newlinesBefore: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  let i = -1;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while ((i = buf.indexOf(10, i + 1)) !== -1 && i < end) n++;
  return n;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (error path only). */
export function firstInvalidUtf8(b: Uint8Array, allowTruncatedEnd: boolean): number {
  let i = 0;
  // Skip continuation bytes that finish a sequence begun in the previous chunk.
  while (i < 3 && i < b.length && (b[i] & 0xc0) === 0x80) i++;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncatedEnd ? -1 : i; // sequence continues in the next chunk
      const cc = b[i + k];
      if ((cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Length of `b` without a trailing incomplete UTF-8 sequence (up to 3 bytes). */
function completeUtf8Length(b: Uint8Array): number {
  const n = b.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const c = b[n - back];
    if ((c & 0xc0) === 0x80) continue; // continuation: keep looking for the lead
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

interface Decoder {
  write(b: Buffer): string;
  end(): string;
}

/**
 * Decodes a byte stream chunk by chunk into text. Throws {@link UndecodableBytes} at the first
 * invalid byte; the caller turns its newline count into a line number.
 */
export class TextChunkDecoder {
  private decoder: Decoder | undefined;
  private started = false;
  /** The encoding the bytes are being decoded as; undefined while only ASCII has been seen. */
  encoding: DetectedEncoding | undefined;

  constructor(private readonly declared: DeclaredEncoding = 'auto') {
    if (declared === 'utf-8') this.useUtf8();
  }

  private useUtf8(): void {
    this.encoding = 'utf-8';
    const td = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    this.decoder = {
      write: (b) => {
        try {
          return td.decode(b, { stream: true });
        } catch {
          const at = firstInvalidUtf8(b, true);
          throw new UndecodableBytes(countNewlines(b, at < 0 ? b.length : at), 'invalid UTF-8');
        }
      },
      end: () => {
        try {
          return td.decode();
        } catch {
          throw new UndecodableBytes(0, 'truncated UTF-8 sequence at end of file');
        }
      },
    };
  }

  private useCp949(): void {
    this.encoding = 'cp949';
    const d = iconv.getDecoder('cp949');
    const check = (s: string): string => {
      const at = s.indexOf('\uFFFD');
      if (at >= 0) {
        let n = 0;
        for (let i = s.indexOf('\n'); i !== -1 && i < at; i = s.indexOf('\n', i + 1)) n++;
        throw new UndecodableBytes(n, 'invalid CP949 sequence');
      }
      return s;
    };
    this.decoder = { write: (b) => check(d.write(b)), end: () => check(d.end() ?? '') };
  }

  /** Decodes the next chunk. */
  write(chunk: Buffer): string {
    if (!this.started) {
      this.started = true;
      if (
        chunk.length >= 2 &&
        ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
      ) {
        throw new UndecodableBytes(0, 'UTF-16 is not supported; export as UTF-8 or CP949');
      }
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
        if (!this.decoder) this.useUtf8();
        chunk = chunk.subarray(3);
      }
    }
    if (this.decoder) return this.decoder.write(chunk);
    // Undecided: only ASCII so far, identical in both encodings.
    if (isAscii(chunk)) return chunk.toString('latin1');
    const complete = completeUtf8Length(chunk);
    if (isUtf8(chunk.subarray(0, complete))) {
      this.useUtf8();
    } else if (this.declared === 'cp949' || this.declared === 'euc-kr') {
      this.useCp949();
    } else {
      const probe = iconv.getDecoder('cp949').write(chunk);
      if (probe.includes('\uFFFD'))
        this.useUtf8(); // neither: report it as invalid UTF-8
      else this.useCp949();
    }
    return this.decoder!.write(chunk);
  }

  /** Flushes the decoder at end of input. */
  end(): string {
    return this.decoder ? this.decoder.end() : '';
  }
}

/**
 * UTF-8 bytes as Latin-1 text: one character per byte, so the text is a one-byte V8 string,
 * decoding is a copy, and slices of it stay one-byte (the chunk encoder and JSON are then ~1.5×
 * faster than on the two-byte strings a single Hangul character forces on a whole chunk). The
 * bytes are still validated as UTF-8 (native, SIMD). CSV syntax is ASCII and UTF-8 never uses
 * ASCII bytes inside a multi-byte sequence, so records split the same way; a text cell holding
 * bytes ≥ 0x80 must be re-decoded with {@link latin1ToUtf8} before its value is used.
 */
export class Utf8AsLatin1Decoder {
  readonly encoding: DetectedEncoding = 'utf-8';
  private carry: Buffer | undefined;
  private started = false;

  /** Decodes the next chunk (a trailing incomplete sequence waits for the next one). */
  write(chunk: Buffer): string {
    if (!this.started) {
      this.started = true;
      if (chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf)
        chunk = chunk.subarray(3);
    }
    const data = this.carry === undefined ? chunk : Buffer.concat([this.carry, chunk]);
    const complete = completeUtf8Length(data);
    const part = data.subarray(0, complete);
    this.carry = complete < data.length ? Buffer.from(data.subarray(complete)) : undefined;
    if (!isUtf8(part)) {
      const at = firstInvalidUtf8(part, false);
      throw new UndecodableBytes(countNewlines(part, at < 0 ? part.length : at), 'invalid UTF-8');
    }
    return part.toString('latin1');
  }

  /** Flushes at end of input. */
  end(): string {
    if (this.carry !== undefined) throw new UndecodableBytes(0, 'truncated UTF-8 sequence at end of file');
    return '';
  }
}

/** True when a Latin-1 text cell holds a byte ≥ 0x80 (so {@link latin1ToUtf8} must decode it). */
export function hasHighByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return true;
  return false;
}

/** The text of UTF-8 bytes held as a Latin-1 string (see {@link Utf8AsLatin1Decoder}). */
export function latin1ToUtf8(s: string): string {
  return hasHighByte(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

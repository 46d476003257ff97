/**
 * Framed lines and the append-only journal. A frame is `<crc32 of the JSON, 8 hex>\t<canonical EJSON>\n`;
 * a line that is cut short or fails its checksum is detectable. Appends are synchronous `write(2)` calls,
 * so once `append` returns the record survives a crash of this process; `sync()` group-commits
 * `fdatasync` for power loss (one flush serves every append made before it started; the first waits one
 * event-loop turn so that concurrent requests share it).
 */
import { closeSync, fchmodSync, fdatasync, fstatSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { fromEJSON, toEJSON } from './doc-codec.js';

export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`store file ${file} is corrupt: ${detail}`);
    this.name = 'StoreCorruptError';
  }
}

const NEWLINE = 0x0a;

export function frame(value: unknown): Buffer {
  const json = Buffer.from(toEJSON(value), 'utf8');
  const head = Buffer.from(crc32(json).toString(16).padStart(8, '0') + '\t', 'latin1');
  return Buffer.concat([head, json, Buffer.from('\n')]);
}

/** The value of one line (without its newline), or undefined when the line is not a valid frame. */
function unframe(line: Buffer): unknown {
  if (line.length < 10 || line[8] !== 0x09) return undefined;
  const json = line.subarray(9);
  if (line.toString('latin1', 0, 8) !== crc32(json).toString(16).padStart(8, '0')) return undefined;
  try {
    return fromEJSON(json.toString('utf8'));
  } catch {
    return undefined;
  }
}

export interface ReadFrames {
  values: unknown[];
  /** Bytes up to the end of the last valid frame; anything after it is a torn tail. */
  validBytes: number;
}

/**
 * Reads every frame. An invalid tail (a write cut short by a crash: no newline, or a bad checksum with no
 * valid frame after it) ends the file; an invalid frame followed by valid ones is corruption and throws.
 */
export function readFrames(buf: Buffer, file: string): ReadFrames {
  const values: unknown[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(NEWLINE, pos);
    if (nl === -1) break;
    const value = unframe(buf.subarray(pos, nl));
    if (value === undefined) {
      for (let p = nl + 1, next = buf.indexOf(NEWLINE, p); next !== -1; p = next + 1, next = buf.indexOf(NEWLINE, p)) {
        if (unframe(buf.subarray(p, next)) !== undefined)
          throw new StoreCorruptError(file, `invalid record at byte ${pos} followed by valid ones`);
      }
      break;
    }
    values.push(value);
    pos = nl + 1;
  }
  return { values, validBytes: pos };
}

export class JournalWriter {
  private failed: Error | null = null;
  private inFlight: Promise<void> | null = null;
  private waiting: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null;
  private dirty = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    /** Bytes in the file. */
    public bytes: number,
  ) {}

  /** The error that poisoned this writer, if any. */
  get error(): Error | null {
    return this.failed;
  }

  static open(path: string): JournalWriter {
    const fd = openSync(path, 'a', 0o600);
    fchmodSync(fd, 0o600); // a journal written by an older version may still be 0644
    return new JournalWriter(path, fd, fstatSync(fd).size);
  }

  /** Appends one frame with write(2). A failed append poisons the writer: the file may hold a torn line now. */
  append(data: Buffer): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
    try {
      for (let off = 0; off < data.length;) off += writeSync(this.fd, data, off, data.length - off);
    } catch (err) {
      this.failed = err as Error;
      throw err;
    }
    this.bytes += data.length;
    this.dirty = true;
  }

  /** Resolves once everything appended so far is on disk. */
  sync(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (!this.dirty && !this.inFlight && !this.waiting) return Promise.resolve();
    if (this.waiting) return this.waiting.promise;
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.waiting = { promise, resolve, reject };
    // The first flush waits one turn of the event loop, so that the writes of requests that arrived together
    // share one fdatasync (each costs the process more CPU than the write it protects).
    if (!this.inFlight) this.inFlight = new Promise<void>((r) => setImmediate(r)).then(() => this.afterFlush());
    return promise;
  }

  private afterFlush(): void {
    this.inFlight = null;
    if (this.waiting) this.flush();
  }

  private flush(): void {
    const batch = this.waiting!;
    this.waiting = null;
    this.dirty = false;
    this.inFlight = new Promise<void>((resolve) => {
      fdatasync(this.fd, (err) => {
        if (err) {
          this.failed = err;
          batch.reject(err);
        } else batch.resolve();
        resolve();
      });
    }).then(() => this.afterFlush());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failed) await this.sync().catch(() => undefined);
    while (this.inFlight) await this.inFlight;
    this.closed = true;
    closeSync(this.fd);
  }
}

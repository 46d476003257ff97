/**
 * A set of string ids kept in ascending order (JavaScript string order, i.e. UTF-16 code units), stored as
 * a list of small sorted chunks: insert and delete cost O(log n + chunk), and positional access (skip) walks
 * chunk lengths only, so paging through a bucket of 100k ids costs what the page costs.
 *
 * Most buckets of an index hold one id (a unique key, a user's e-mail address): such a set keeps that id alone,
 * without chunk arrays (about 240 bytes less per key), and takes chunks on its second id.
 */
const MAX_CHUNK = 512;

function lowerBoundIn(chunk: string[], id: string): number {
  let lo = 0;
  let hi = chunk.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunk[mid] < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const NO_CHUNKS: readonly string[][] = Object.freeze([]);

export class SortedIds {
  /** The ids while there are two or more; `NO_CHUNKS` otherwise (shared, never written). */
  private chunks = NO_CHUNKS as string[][];
  /** The only id while there is exactly one. */
  private single: string | undefined = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** The chunks to read: the single id as one chunk (a fresh array, for readers only) or the chunks. */
  private readChunks(): readonly string[][] {
    return this.single !== undefined ? [[this.single]] : this.chunks;
  }

  /** The chunk that holds `id`, or where it belongs (the last chunk when it is beyond every id). */
  private chunkFor(id: string): number {
    const chunks = this.chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = chunks[mid];
      if (c[c.length - 1] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(id: string): boolean {
    if (this.count === 0) return false;
    if (this.single !== undefined) return this.single === id;
    const chunk = this.chunks[this.chunkFor(id)];
    return chunk[lowerBoundIn(chunk, id)] === id;
  }

  add(id: string): boolean {
    if (this.count === 0) {
      this.single = id;
      this.count = 1;
      return true;
    }
    if (this.single !== undefined) {
      if (this.single === id) return false;
      this.chunks = [this.single < id ? [this.single, id] : [id, this.single]];
      this.single = undefined;
      this.count = 2;
      return true;
    }
    const ci = this.chunkFor(id);
    const chunk = this.chunks[ci];
    const pos = lowerBoundIn(chunk, id);
    if (chunk[pos] === id) return false;
    if (pos === chunk.length) chunk.push(id);
    else chunk.splice(pos, 0, id);
    this.count++;
    if (chunk.length > MAX_CHUNK) this.chunks.splice(ci + 1, 0, chunk.splice(MAX_CHUNK >>> 1));
    return true;
  }

  delete(id: string): boolean {
    if (this.count === 0) return false;
    if (this.single !== undefined) {
      if (this.single !== id) return false;
      this.single = undefined;
      this.count = 0;
      return true;
    }
    const ci = this.chunkFor(id);
    const chunk = this.chunks[ci];
    const pos = lowerBoundIn(chunk, id);
    if (chunk[pos] !== id) return false;
    chunk.splice(pos, 1);
    this.count--;
    if (chunk.length === 0) this.chunks.splice(ci, 1);
    if (this.count === 1) {
      this.single = this.chunks[0][0];
      this.chunks = NO_CHUNKS as string[][];
    }
    return true;
  }

  /** How many ids sort before `id` (`inclusive`: before or equal). */
  rank(id: string, inclusive = false): number {
    let n = 0;
    for (const chunk of this.readChunks()) {
      const last = chunk[chunk.length - 1];
      if (last < id || (inclusive && last === id)) {
        n += chunk.length;
        continue;
      }
      let pos = lowerBoundIn(chunk, id);
      if (inclusive && chunk[pos] === id) pos++;
      return n + pos;
    }
    return n;
  }

  /** The ids at positions [start, end), ascending, or descending from end - 1 when `reverse`. */
  *slice(start: number, end: number, reverse = false): Generator<string> {
    start = Math.max(0, start);
    end = Math.min(this.count, end);
    if (start >= end) return;
    const chunks = this.readChunks();
    if (!reverse) {
      let ci = 0;
      let offset = start;
      while (offset >= chunks[ci].length) offset -= chunks[ci++].length;
      for (let left = end - start; left > 0; ci++, offset = 0) {
        const chunk = chunks[ci];
        for (let i = offset; i < chunk.length && left > 0; i++, left--) yield chunk[i];
      }
      return;
    }
    let ci = chunks.length - 1;
    let offset = this.count - end; // positions to skip from the end
    while (offset >= chunks[ci].length) offset -= chunks[ci--].length;
    for (let left = end - start; left > 0; ci--) {
      const chunk = chunks[ci];
      const from = chunk.length - 1 - offset;
      offset = 0;
      for (let i = from; i >= 0 && left > 0; i--, left--) yield chunk[i];
    }
  }

  *[Symbol.iterator](): Generator<string> {
    if (this.single !== undefined) yield this.single;
    else for (const chunk of this.chunks) yield* chunk;
  }
}

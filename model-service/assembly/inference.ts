/*
 * The classifier's per-document kernel in WebAssembly (AssemblyScript): tokenize
 * + vocabulary lookup, tf-idf, and class scores, over tables the host
 * (src/model/serving/wasm/wasm-kernel.ts) builds and copies into linear memory.
 *
 * Why WebAssembly: the per-character scan is the service's largest cost. In
 * JavaScript every character is a charCodeAt, a typed-array load and a bounds
 * check (~4 ns per character, ~10 µs per average document, more in a loaded
 * server); compiled WebAssembly runs the same loop over UTF-8 bytes about twice
 * as fast, and the tf-idf and score stages likewise. The rules are those of the
 * JavaScript scanner (src/model/training/term-index.ts, inference-tables.ts): the same
 * lowercase/word-character table, runs of 2+ BMP word characters, the same two
 * hashes over UTF-16 code units (a BMP code point is one code unit); characters
 * outside the BMP are never word characters, as there. Tests compare both
 * token for token and score for score.
 *
 * Build: `npm run build:wasm` (compiles this file and embeds the bytes in
 * src/model/serving/wasm/inference-wasm.ts); a test fails if the embedded bytes are stale.
 */
let lowerPtr: usize = 0;   // u16[65536]: lowercase word char, 0 = not a word char
let slotsPtr: usize = 0;   // i32[size*3]: h1, h2, id (-1 empty)
let mask: u32 = 0;
let seed: u32 = 0;
let recordsPtr: usize = 0; // f32[(K+1)*terms]
let classCount: i32 = 0;
let countsPtr: usize = 0;  // i32[terms]
let idsPtr: usize = 0;     // i32[capacity] term ids in order
let idsCap: i32 = 0;
let orderPtr: usize = 0;   // i32[capacity] distinct ids
let valuesPtr: usize = 0;  // f64[capacity]
let scoresPtr: usize = 0;  // f64[K]
let interceptsPtr: usize = 0; // f64[K]
let lastTokens: i32 = 0;
let lastOov: i32 = 0;

export function configure(lower: usize, slots: usize, m: u32, s: u32, records: usize, k: i32, counts: usize, ids: usize, cap: i32, order: usize, values: usize, scores: usize, intercepts: usize): void {
  lowerPtr = lower; slotsPtr = slots; mask = m; seed = s; recordsPtr = records; classCount = k; countsPtr = counts;
  idsPtr = ids; idsCap = cap; orderPtr = order; valuesPtr = values; scoresPtr = scores; interceptsPtr = intercepts;
}
export function tokenCount(): i32 { return lastTokens; }
export function oovCount(): i32 { return lastOov; }

@inline function lowerOf(cp: u32): u32 { return <u32>load<u16>(lowerPtr + (<usize>cp << 1)); }

@inline function find(h1: u32, h2: u32): i32 {
  let slot = h1 & mask;
  while (true) {
    const at = slotsPtr + <usize>slot * 12;
    const id = load<i32>(at, 8);
    if (id == -1) return -1;
    if (load<u32>(at) == h1 && load<u32>(at, 4) == h2) return id;
    slot = (slot + 1) & mask;
  }
}

// Decodes the code point at p (valid UTF-8 from TextEncoder); returns lowercase word char or 0, and advances via global.
let nextPos: usize = 0;
@inline function classAt(p: usize): u32 {
  const b = <u32>load<u8>(p);
  if (b < 0x80) { nextPos = p + 1; return lowerOf(b); }
  if (b < 0xE0) { nextPos = p + 2; return lowerOf(((b & 0x1F) << 6) | (<u32>load<u8>(p, 1) & 0x3F)); }
  if (b < 0xF0) { nextPos = p + 3; return lowerOf(((b & 0x0F) << 12) | ((<u32>load<u8>(p, 1) & 0x3F) << 6) | (<u32>load<u8>(p, 2) & 0x3F)); }
  nextPos = p + 4; return 0; // outside the BMP: never a word character (as in the JS scanner)
}

/**
 * Scans UTF-8 text at [ptr, ptr+len); writes in-vocabulary ids to idsPtr; returns their count (or -1 if capacity exceeded).
 *
 * Two passes: the first tokenizes and hashes, writing each token's (h1, h2) to
 * the values scratch (free until tfidf runs); the second looks them up. The
 * hash table (~0.8 MB for 30k terms) is mostly out of cache in a loaded server,
 * and a lookup per token inside the character loop waited for each miss in
 * turn; a loop of lookups alone has independent iterations, so the CPU keeps
 * several misses in flight (measured: see docs/serving.md).
 */
export function scan(ptr: usize, len: i32): i32 {
  const end = ptr + <usize>len;
  let p = ptr;
  let tokens: i32 = 0;
  const hashes = valuesPtr; // f64[capacity] scratch = u32 pairs; a document has at most idsCap tokens
  while (p < end) {
    let c = classAt(p);
    if (c == 0) { p = nextPos; continue; }
    let h1: u32 = (0x811c9dc5 ^ c) * 0x01000193;
    let h2: u32 = seed;
    let m: u32 = (h2 ^ c) * 0x5bd1e995; h2 = m ^ (m >> 13);
    let units: i32 = 1;
    p = nextPos;
    while (p < end) {
      c = classAt(p);
      if (c == 0) break;
      h1 = (h1 ^ c) * 0x01000193;
      m = (h2 ^ c) * 0x5bd1e995; h2 = m ^ (m >> 13);
      units++;
      p = nextPos;
    }
    if (units < 2) continue;
    if (tokens == idsCap) return -1;
    const at = hashes + (<usize>tokens << 3);
    store<u32>(at, h1);
    store<u32>(at, h2, 4);
    tokens++;
  }
  let n: i32 = 0, oov: i32 = 0;
  for (let k = 0; k < tokens; k++) {
    const at = hashes + (<usize>k << 3);
    const id = find(load<u32>(at), load<u32>(at, 4));
    if (id < 0) { oov++; continue; }
    store<i32>(idsPtr + (<usize>n << 2), id);
    n++;
  }
  lastTokens = tokens; lastOov = oov;
  return n;
}

/** tf-idf of the n ids at idsPtr: distinct ids to orderPtr, L2-normalised values to valuesPtr; returns the distinct count. */
export function tfidf(n: i32): i32 {
  const stride = <usize>(classCount + 1) << 2;
  let distinct: i32 = 0;
  for (let k = 0; k < n; k++) {
    const t = load<i32>(idsPtr + (<usize>k << 2));
    const cp = countsPtr + (<usize>t << 2);
    const c = load<i32>(cp);
    if (c == 0) { store<i32>(orderPtr + (<usize>distinct << 2), t); distinct++; }
    store<i32>(cp, c + 1);
  }
  let sumSquares: f64 = 0;
  for (let k = 0; k < distinct; k++) {
    const t = load<i32>(orderPtr + (<usize>k << 2));
    const cp = countsPtr + (<usize>t << 2);
    const v = <f64>load<i32>(cp) * <f64>load<f32>(recordsPtr + <usize>t * stride);
    store<i32>(cp, 0);
    store<f64>(valuesPtr + (<usize>k << 3), v);
    sumSquares += v * v;
  }
  if (sumSquares > 0) {
    const inv = 1 / Math.sqrt(sumSquares);
    for (let k = 0; k < distinct; k++) { const vp = valuesPtr + (<usize>k << 3); store<f64>(vp, load<f64>(vp) * inv); }
  }
  return distinct;
}

/** scores = intercepts + values · weights for the `distinct` terms at orderPtr. */
export function scores(distinct: i32): void {
  const K = classCount;
  const stride = <usize>(K + 1) << 2;
  for (let c = 0; c < K; c++) store<f64>(scoresPtr + (<usize>c << 3), load<f64>(interceptsPtr + (<usize>c << 3)));
  for (let k = 0; k < distinct; k++) {
    const t = load<i32>(orderPtr + (<usize>k << 2));
    const x = load<f64>(valuesPtr + (<usize>k << 3));
    const base = recordsPtr + <usize>t * stride + 4;
    for (let c = 0; c < K; c++) {
      const sp = scoresPtr + (<usize>c << 3);
      store<f64>(sp, load<f64>(sp) + x * <f64>load<f32>(base + (<usize>c << 2)));
    }
  }
}

// Contender (b): the fastest plain-JS validator we could write for the same core checks.
// One pass over the bytes (Uint8Array), no regexes, no strings per line; ICCIDs are kept as
// two numbers (first 10 digits, the rest plus a length tag) in an open-addressing table in a
// Float64Array, Matching IDs as (hash, offset, length, line) in an Int32Array, compared byte
// by byte on a hash match. Returns the number of findings.

// 1: A-Z 0-9 -   2: a-z   0: anything else (also ; and tab)
const CLASS = new Uint8Array(256);
for (let b = 48; b <= 57; b++) CLASS[b] = 1;
for (let b = 65; b <= 90; b++) CLASS[b] = 1;
for (let b = 97; b <= 122; b++) CLASS[b] = 2;
CLASS[45] = 1;
const DOUBLE = new Uint8Array([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]);

// Open addressing, linear probing, one interleaved array per table (one cache line per
// probe): [hi, lo] pairs; lo is -1 in an empty slot.
class IccidSet {
  constructor(capacity) {
    this.mask = capacity - 1;
    this.slots = new Float64Array(capacity * 2).fill(-1);
    this.size = 0;
  }
  // Adds the key; returns true when it was there already.
  add(hi, lo) {
    if ((this.size + 1) * 2 > this.mask) this.grow();
    let h = Math.imul((lo >>> 0) ^ Math.imul(hi >>> 0, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    let i = h & this.mask;
    const slots = this.slots;
    for (;;) {
      const l = slots[2 * i + 1];
      if (l === -1) {
        slots[2 * i] = hi;
        slots[2 * i + 1] = lo;
        this.size++;
        return false;
      }
      if (l === lo && slots[2 * i] === hi) return true;
      i = (i + 1) & this.mask;
    }
  }
  grow() {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Float64Array((this.mask + 1) * 2).fill(-1);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] !== -1) this.add(old[i], old[i + 1]);
  }
}

// Matching IDs: [hash, start, length, line start] per slot; start is -1 in an empty slot.
// A hit compares the bytes, then the two lines' ICCIDs (another ICCID is a duplicate).
class MidSet {
  constructor(bytes, capacity) {
    this.bytes = bytes;
    this.mask = capacity - 1;
    this.slots = new Int32Array(capacity * 4).fill(-1);
    this.size = 0;
  }
  add(hash, start, len, line, iccidLen) {
    if ((this.size + 1) * 2 > this.mask) this.grow();
    return this.insert(hash, start, len, line, iccidLen);
  }
  insert(hash, start, len, line, iccidLen) {
    let h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    let i = h & this.mask;
    const slots = this.slots;
    const bytes = this.bytes;
    for (;;) {
      const at = 4 * i;
      const s = slots[at + 1];
      if (s === -1) {
        slots[at] = hash;
        slots[at + 1] = start;
        slots[at + 2] = len;
        slots[at + 3] = line;
        this.size++;
        return false;
      }
      if (slots[at] === hash && slots[at + 2] === len) {
        let k = 0;
        while (k < len && bytes[s + k] === bytes[start + k]) k++;
        if (k === len) {
          // Same Matching ID: a duplicate unless the ICCIDs (before the commas) are equal.
          const other = slots[at + 3];
          if (s - 1 - other !== iccidLen) return true;
          let j = 0;
          while (j < iccidLen && bytes[other + j] === bytes[line + j]) j++;
          return j !== iccidLen;
        }
      }
      i = (i + 1) & this.mask;
    }
  }
  grow() {
    const old = this.slots;
    this.mask = this.mask * 2 + 1;
    this.slots = new Int32Array((this.mask + 1) * 4).fill(-1);
    this.size = 0;
    for (let i = 0; i < old.length; i += 4) {
      if (old[i + 1] !== -1) {
        this.insert(old[i], old[i + 1], old[i + 2], old[i + 3], old[i + 1] - 1 - old[i + 3]);
      }
    }
  }
}

// The SM-DP+ line [from, to): one value, a dotted host name of letters, digits and hyphens.
function smdpFindings(bytes, from, to) {
  if (to === from) return 1;
  let dots = 0;
  let labelLen = 0;
  let prev = 46;
  for (let p = from; p < to; p++) {
    const b = bytes[p];
    if (b === 44 || b === 59 || b === 9) return 1; // a second value
    if (b === 46) {
      if (labelLen === 0 || prev === 45) return 1;
      dots++;
      labelLen = 0;
    } else if (CLASS[b] !== 0) {
      if (labelLen === 0 && b === 45) return 1;
      if (++labelLen > 63) return 1;
    } else return 1;
    prev = b;
  }
  return dots > 0 && labelLen > 0 && prev !== 45 ? 0 : 1;
}

export function fastValidate(bytes) {
  const n = bytes.length;
  let p = 0;
  let findings = 0;
  let codes = 0;
  let e = 0;
  while (e < n && bytes[e] !== 10) e++;
  findings += smdpFindings(bytes, 0, e > 0 && bytes[e - 1] === 13 ? e - 1 : e);
  p = e + 1;
  const iccids = new IccidSet(1 << 12);
  const mids = new MidSet(bytes, 1 << 12);
  while (p < n) {
    const lineStart = p;
    // ICCID: digits into two numbers, Luhn sums for both parities, in one pass.
    let hi = 0;
    let lo = 0;
    let len = 0;
    let digits = true;
    let s0 = 0;
    let s1 = 0;
    let b = 0;
    while (p < n) {
      b = bytes[p];
      if (b === 44 || b === 10 || b === 13) break;
      const d = b - 48;
      if (d < 0 || d > 9) digits = false;
      else {
        if (len < 10) hi = hi * 10 + d;
        else lo = lo * 10 + d;
        if ((len & 1) === 0) {
          s0 += DOUBLE[d];
          s1 += d;
        } else {
          s0 += d;
          s1 += DOUBLE[d];
        }
      }
      len++;
      p++;
    }
    if (p >= n || b !== 44) {
      // One value (or a blank line): no comma on this line.
      if (p < n && b === 13) p++;
      if (p < n && bytes[p] === 10) p++;
      if (len === 0) continue; // blank
      codes++;
      findings++; // field count
      continue;
    }
    p++; // the comma
    const midStart = p;
    let hash = 0x811c9dc5 | 0;
    let bad = false;
    let lower = false;
    while (p < n) {
      b = bytes[p];
      if (b === 44 || b === 10 || b === 13) break;
      const c = CLASS[b];
      if (c === 0) bad = true;
      else if (c === 2) lower = true;
      hash = Math.imul(hash ^ b, 0x01000193);
      p++;
    }
    const midLen = p - midStart;
    codes++;
    if (p < n && b === 44) {
      // A third value: field count; skip the rest of the line.
      while (p < n && bytes[p] !== 10) p++;
      p++;
      findings++;
      continue;
    }
    if (p < n && b === 13) p++;
    if (p < n && bytes[p] === 10) p++;

    if (!digits || len === 0) findings++;
    else if (len < 19 || len > 20) findings++;
    else {
      if (bytes[lineStart] !== 56 || bytes[lineStart + 1] !== 57) findings++;
      // Luhn doubles every second digit from the right, starting left of the check digit:
      // odd positions from the left for an odd length (s1), even ones otherwise (s0).
      if ((len & 1 ? s1 : s0) % 10 !== 0) findings++;
      if (iccids.add(hi, lo + len * 1e10)) findings++;
    }
    if (midLen === 0) findings++;
    else if (bad) findings++;
    else {
      if (lower) findings++;
      if (midLen > 255) findings++;
      if (mids.add(hash, midStart, midLen, lineStart, len)) findings++;
    }
  }
  if (codes > 1000) findings++;
  return findings;
}

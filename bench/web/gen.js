// The benchmark file, byte for byte what `esim_bench::generate` (crates/esim-bench) makes:
// the SM-DP+ line, then `ICCID,MatchingID` lines, unique and valid. The page reports the
// length and an FNV-1a hash so the driver can check both sides used the same bytes.

export const SMDP = "smdp.example.com";
export const LINE_LEN = 45;

const B36 = new TextEncoder().encode("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ");
const P4 = 36 ** 4;
const P8 = 36 ** 8;

function base36(out, at, n, width) {
  for (let k = width - 1; k >= 0; k--) {
    out[at + k] = B36[n % 36];
    n = Math.floor(n / 36);
  }
}

export function generate(codes) {
  const head = new TextEncoder().encode(SMDP + "\n");
  const out = new Uint8Array(head.length + codes * LINE_LEN);
  out.set(head, 0);
  let p = head.length;
  const prefix = [56, 57, 52, 54, 48, 49]; // "894601"
  for (let i = 0; i < codes; i++) {
    const start = p;
    for (const b of prefix) out[p++] = b;
    let n = i;
    for (let k = 11; k >= 0; k--) {
      out[p + k] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
    p += 12;
    // Luhn check digit of the 18 digits so far.
    let sum = 0;
    for (let k = p - 1, j = 0; k >= start; k--, j++) {
      let d = out[k] - 48;
      if (j % 2 === 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    out[p++] = 48 + ((10 - (sum % 10)) % 10);
    out[p++] = 44; // ,
    const a = (i * 2654435761) % P8;
    base36(out, p, Math.floor(a / P4), 4);
    out[p + 4] = 45;
    base36(out, p + 5, a % P4, 4);
    p += 9;
    for (const [mul, add] of [[1103515245, 12345], [69069, 1], [22695477, 1]]) {
      out[p++] = 45; // -
      base36(out, p, (i * mul + add) % P4, 4);
      p += 4;
    }
    out[p++] = 10;
  }
  return out;
}

export function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  }
  return h >>> 0;
}

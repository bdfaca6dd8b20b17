// Contender (a): Papa Parse, then the core checks in idiomatic JS (strings, regexes, a Set
// and a Map of strings). Returns the number of findings, as the wasm `validate` does for the
// same core checks. Papa is the global `Papa` (papaparse.min.js, copied next to the page).

const FQDN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const DIGITS = /^[0-9]+$/;
const MID = /^[A-Za-z0-9-]+$/;
const LOWER = /[a-z]/;

function luhn(digits) {
  let sum = 0;
  for (let i = digits.length - 1, j = 0; i >= 0; i--, j++) {
    let d = digits.charCodeAt(i) - 48;
    if (j % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function papaValidate(bytes) {
  const text = new TextDecoder().decode(bytes);
  const rows = Papa.parse(text, { header: false, skipEmptyLines: false }).data;
  let findings = 0;
  let codes = 0;
  if (rows.length === 0) return 1;
  const first = rows[0];
  if (first.length !== 1) findings++;
  else if (!FQDN.test(first[0])) findings++;
  const iccids = new Set();
  const mids = new Map();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.length === 1 && row[0] === "") continue;
    codes++;
    if (row.length !== 2) {
      findings++;
      continue;
    }
    const iccid = row[0];
    const mid = row[1];
    if (!DIGITS.test(iccid)) findings++;
    else if (iccid.length < 19 || iccid.length > 20) findings++;
    else {
      if (!iccid.startsWith("89")) findings++;
      if (!luhn(iccid)) findings++;
      if (iccids.has(iccid)) findings++;
      else iccids.add(iccid);
    }
    if (mid === "") findings++;
    else if (!MID.test(mid)) findings++;
    else {
      if (LOWER.test(mid)) findings++;
      if (mid.length > 255) findings++;
      const other = mids.get(mid);
      if (other === undefined) mids.set(mid, iccid);
      else if (other !== iccid) findings++;
    }
  }
  if (codes > 1000) findings++;
  return findings;
}

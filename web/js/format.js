// French display of the API's ISO dates and exact decimal amounts (no float arithmetic on money).

export function frenchDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return match ? `${match[3]}/${match[2]}/${match[1]}` : iso || "";
}

export function frenchDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso || "";
  return date.toLocaleString("fr-FR", { dateStyle: "short", timeStyle: "short" });
}

// "1234.5" → "1 234,50 €"; "-12.30" → "-12,30 €". The string is the exact amount.
export function euros(amount) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(amount).trim());
  if (!match) return String(amount);
  const [, sign, units, decimals = ""] = match;
  const grouped = units.replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
  return `${sign ? "−" : ""}${grouped},${decimals.padEnd(2, "0")}\u00a0€`;
}

export function isZero(amount) {
  return /^-?0+(\.0+)?$/.test(String(amount).trim());
}

export function isNegative(amount) {
  return String(amount).trim().startsWith("-") && !isZero(amount);
}

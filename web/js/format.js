// French display of the API's ISO dates and exact decimal amounts (no float arithmetic on money).

export function frenchDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
  return match ? `${match[3]}/${match[2]}/${match[1]}` : iso || "";
}

// The day of an instant ("2026-11-30T09:12:00+00:00"), on this device's calendar: "30/11/2026".
export function frenchDay(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? frenchDate(iso) : date.toLocaleDateString("fr-FR");
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

// 1234567 → "1 234 567" (a narrow no-break space between groups, as in French print).
export function grouped(whole) {
  return String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

// A whole number of litres: "7 971 litres", "1 litre".
export function litres(count) {
  return `${grouped(count)}\u00a0${Math.abs(count) >= 2 ? "litres" : "litre"}`;
}

// A whole number of litres in m³ with three decimals, exactly (no float): 7971 → "7,971".
export function cubicMetresNumber(litresCount) {
  const whole = Math.trunc(litresCount / 1000);
  const rest = String(Math.abs(litresCount % 1000)).padStart(3, "0");
  return `${grouped(whole)},${rest}`;
}

export function cubicMetres(litresCount) {
  return `${cubicMetresNumber(litresCount)}\u00a0m³`;
}

// The API's decimal string of m³ ("40.5") the French way: "40,5 m³".
export function decimalCubicMetres(value) {
  const [whole, decimals] = String(value).split(".");
  return `${grouped(whole)}${decimals ? `,${decimals}` : ""}\u00a0m³`;
}

const MONTHS = [
  "janvier", "février", "mars", "avril", "mai", "juin",
  "juillet", "août", "septembre", "octobre", "novembre", "décembre",
];

// "2026-11" → "novembre 2026".
export function monthName(yearMonth) {
  const [year, month] = yearMonth.split("-");
  return `${MONTHS[Number(month) - 1]} ${year}`;
}

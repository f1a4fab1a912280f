// Calendar arithmetic on the API's ISO dates ("2026-11-30"), in UTC so that no time zone or daylight
// saving change moves a day.

function parse(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, day));
}

function iso(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(day, count) {
  const date = parse(day);
  date.setUTCDate(date.getUTCDate() + count);
  return iso(date);
}

// The first day of the month `count` months after the month of `day`.
export function monthStart(day, count = 0) {
  const date = parse(day);
  return iso(new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + count, 1)));
}

// The last day of the month `count` months after the month of `day`.
export function monthEnd(day, count = 0) {
  return addDays(monthStart(day, count + 1), -1);
}

// Today on this device's calendar.
export function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export function earliest(...days) {
  return days.filter(Boolean).sort()[0];
}

export function latest(...days) {
  return days.filter(Boolean).sort().at(-1);
}

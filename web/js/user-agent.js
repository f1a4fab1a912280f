// « Chrome · Linux », « Safari · iPhone »: a session's device as a person names it, from its
// User-Agent. Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android
// also says "Linux" and an iPhone also says "Mac OS X".

const BROWSERS = [
  ["Edge", /\bEdg(e|A|iOS)?\//],
  ["Opera", /\bOPR\/|\bOpera\b/],
  ["Samsung Internet", /\bSamsungBrowser\//],
  ["Firefox", /\bFirefox\/|\bFxiOS\//],
  ["Chrome", /Chrome\/|\bCriOS\/|\bChromium\//], // HeadlessChrome too
  ["Safari", /\bVersion\/[\d.]+.*\bSafari\//],
];

const SYSTEMS = [
  ["iPhone", /\biPhone\b/],
  ["iPad", /\biPad\b/],
  ["Android", /\bAndroid\b/],
  ["Windows", /\bWindows\b/],
  ["ChromeOS", /\bCrOS\b/],
  ["macOS", /\bMacintosh\b|\bMac OS X\b/],
  ["Linux", /\bLinux\b/],
];

const UNKNOWN_BROWSER = "Navigateur inconnu";

function first(table, userAgent) {
  const found = table.find(([, pattern]) => pattern.test(userAgent));
  return found ? found[0] : null;
}

export function deviceName(userAgent) {
  const text = String(userAgent || "");
  const browser = first(BROWSERS, text);
  const system = first(SYSTEMS, text);
  if (!system) return browser || UNKNOWN_BROWSER;
  return `${browser || UNKNOWN_BROWSER} · ${system}`;
}

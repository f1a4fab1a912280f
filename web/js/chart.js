// The consumption chart: one bar per reading period, estimated readings hatched (not colour only).
// The readings table beside it carries the same figures for screen readers and keyboard users.

import { frenchDate } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 28, right: 12, bottom: 40, left: 44 };

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// A whole number of m³ per grid line (1, 2, 5, 10, 20…), four lines up to the maximum.
function gridStep(maximum) {
  const rough = Math.max(1, maximum / 4);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= rough);
}

function plural(count, word) {
  return `${count} ${word}${count > 1 ? "s" : ""}`;
}

export function consumptionChart(readings, describedBy) {
  const periods = readings.filter((r) => r.volume_m3 !== null && r.volume_m3 !== undefined);
  const chart = svg("svg", {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": "consumption-chart-title",
    "aria-describedby": describedBy,
    class: "chart",
    preserveAspectRatio: "xMidYMid meet",
  });
  const total = periods.reduce((sum, r) => sum + r.volume_m3, 0);
  const estimated = periods.filter((r) => r.estimated).length;
  const summary = periods.length
    ? `Consommation par relevé, ${plural(periods.length, "relevé")} du ${frenchDate(periods[0].date)} au ` +
      `${frenchDate(periods.at(-1).date)} : ${total} m³ au total, ${plural(estimated, "relevé")} ${estimated > 1 ? "estimés" : "estimé"}.`
    : "Consommation par relevé : pas encore de volume à afficher.";
  chart.append(svg("title", { id: "consumption-chart-title" }, summary));
  const defs = svg("defs");
  const pattern = svg("pattern", {
    id: "estimated-hatch",
    width: 6,
    height: 6,
    patternUnits: "userSpaceOnUse",
    patternTransform: "rotate(45)",
  });
  pattern.append(svg("rect", { width: 6, height: 6, class: "chart__estimated-bg" }));
  pattern.append(svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "chart__estimated-line" }));
  defs.append(pattern);
  chart.append(defs);

  const innerWidth = WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = gridStep(Math.max(0, ...periods.map((r) => r.volume_m3)));
  const maximum = step * 4;
  const y = (value) => MARGIN.top + innerHeight - (value / maximum) * innerHeight;

  for (let tick = 0; tick <= 4; tick += 1) {
    const value = step * tick;
    chart.append(svg("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(value), y2: y(value), class: "chart__grid" }));
    chart.append(svg("text", { x: MARGIN.left - 6, y: y(value) + 4, class: "chart__axis chart__axis--y" }, String(value)));
  }
  chart.append(svg("text", { x: MARGIN.left - 6, y: 12, class: "chart__axis chart__axis--y" }, "m³"));

  const slot = innerWidth / Math.max(periods.length, 1);
  const barWidth = Math.max(2, slot * 0.7);
  periods.forEach((reading, index) => {
    const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
    const bar = svg("rect", {
      x,
      y: y(reading.volume_m3),
      width: barWidth,
      height: Math.max(0, MARGIN.top + innerHeight - y(reading.volume_m3)),
      class: reading.estimated ? "chart__bar chart__bar--estimated" : "chart__bar",
    });
    bar.append(svg("title", {}, `${frenchDate(reading.date)} : ${reading.volume_m3} m³${reading.estimated ? " (estimé)" : ""}`));
    chart.append(bar);
    // Few readings (an agent twice a year): each bar gets its month; many: each January its year.
    const [year, month] = reading.date.split("-");
    const label = periods.length <= 12 ? `${month}/${year.slice(2)}` : month === "01" ? year : "";
    if (label) {
      chart.append(
        svg("text", { x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 16, class: "chart__axis chart__axis--x" }, label),
      );
    }
  });
  return chart;
}

// A bar chart drawn at the size it is shown. A drawing scaled into its box (an SVG viewBox) shrinks
// its text with it: 4–5 px labels on a phone. Here the chart is drawn again whenever its box changes
// width, one SVG unit per CSS pixel, so its labels keep the style sheet's size on every screen.
//
// A chart is a list of bars, `{value, label, estimated, title}`: `label` (optional) goes under the
// bar, `title` is the bar's tooltip; `reference` (optional), `{value, label}`, is a dashed line across
// (a threshold). What a bar stands for (a reading period, a day, a month or a year) is the caller's
// choice: see consumptionChart below and pages/consumption.js.

import { frenchDate, grouped } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 260;
const MARGIN = { top: 28, right: 12, bottom: 40, left: 48 };
const LABEL_GAP = 6; // px between two labels under the bars

let charts = 0;
const drawn = new WeakMap(); // container → {spec, titleId, width}

function svg(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

// A whole number per grid line (1, 2, 5, 10, 20…), four lines up to the maximum.
function gridStep(maximum) {
  const rough = Math.max(1, maximum / 4);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= rough);
}

function hatchDefinition() {
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
  return defs;
}

function draw(width, { bars, summary, describedBy, unit, reference }, titleId) {
  const chart = svg("svg", {
    width,
    height: HEIGHT,
    viewBox: `0 0 ${width} ${HEIGHT}`,
    role: "img",
    "aria-labelledby": titleId,
    "aria-describedby": describedBy,
    class: "chart",
  });
  chart.append(svg("title", { id: titleId }, summary), hatchDefinition());

  const innerWidth = width - MARGIN.left - MARGIN.right;
  const innerHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = gridStep(Math.max(0, reference ? reference.value : 0, ...bars.map((bar) => bar.value)));
  const maximum = step * 4;
  const y = (value) => MARGIN.top + innerHeight - (value / maximum) * innerHeight;

  for (let tick = 0; tick <= 4; tick += 1) {
    const value = step * tick;
    chart.append(svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: y(value), y2: y(value), class: "chart__grid" }));
    chart.append(svg("text", { x: MARGIN.left - 6, y: y(value) + 4, class: "chart__axis chart__axis--y" }, grouped(value)));
  }
  chart.append(svg("text", { x: MARGIN.left - 6, y: 14, class: "chart__axis chart__axis--y" }, unit));

  const slot = innerWidth / Math.max(bars.length, 1);
  const barWidth = Math.max(1, slot * 0.7);
  bars.forEach((bar, index) => {
    const x = MARGIN.left + index * slot + (slot - barWidth) / 2;
    const rect = svg("rect", {
      x,
      y: y(bar.value),
      width: barWidth,
      height: Math.max(0, MARGIN.top + innerHeight - y(bar.value)),
      class: bar.estimated ? "chart__bar chart__bar--estimated" : "chart__bar",
    });
    rect.append(svg("title", {}, bar.title));
    chart.append(rect);
    if (bar.label) {
      const label = { x: x + barWidth / 2, y: HEIGHT - MARGIN.bottom + 18, class: "chart__axis chart__axis--x" };
      chart.append(svg("text", label, bar.label));
    }
  });
  if (reference) {
    const at = y(reference.value);
    chart.append(svg("line", { x1: MARGIN.left, x2: width - MARGIN.right, y1: at, y2: at, class: "chart__reference" }));
    chart.append(svg("text", { x: MARGIN.left + 4, y: at - 5, class: "chart__axis chart__reference-label" }, reference.label));
  }
  return chart;
}

// Labels that would touch the previous one are left out: fewer labels, never smaller ones.
function dropCrowdedLabels(chart) {
  let lastRight = -Infinity;
  for (const label of chart.querySelectorAll(".chart__axis--x")) {
    const box = label.getBBox();
    if (box.x < lastRight + LABEL_GAP) label.remove();
    else lastRight = box.x + box.width;
  }
}

// Draws the chart into `container` now and again whenever the container's width changes; called
// again on the same container (another period), it draws the new chart in place of the old one.
export function barChart(container, spec) {
  let state = drawn.get(container);
  if (!state) {
    charts += 1;
    state = { spec, titleId: `chart-title-${charts}`, width: 0 };
    drawn.set(container, state);
    new ResizeObserver(() => redraw(container, state)).observe(container);
  }
  state.spec = spec;
  state.width = 0;
  redraw(container, state);
}

function redraw(container, state) {
  const width = Math.floor(container.clientWidth);
  if (!width || width === state.width) return; // hidden, or the same size
  state.width = width;
  const chart = draw(width, state.spec, state.titleId);
  container.replaceChildren(chart);
  dropCrowdedLabels(chart);
}

function plural(count, word) {
  return `${count} ${word}${count > 1 ? "s" : ""}`;
}

// Consumption per reading period: one bar per reading that has a volume (a volume needs a
// previous reading); estimated readings are hatched, not only coloured.
export function consumptionChart(container, readings, describedBy) {
  const periods = readings.filter((r) => r.volume_m3 !== null && r.volume_m3 !== undefined);
  const total = periods.reduce((sum, r) => sum + r.volume_m3, 0);
  const estimated = periods.filter((r) => r.estimated).length;
  const summary = periods.length
    ? `Consommation par relevé, ${plural(periods.length, "relevé")} du ${frenchDate(periods[0].date)} au ` +
      `${frenchDate(periods.at(-1).date)}\u00a0: ${total}\u00a0m³ au total, ${plural(estimated, "relevé")} ` +
      `${estimated > 1 ? "estimés" : "estimé"}.`
    : "Consommation par relevé\u00a0: pas encore de volume à afficher.";
  // Few readings (an agent twice a year): each bar gets its month; many: each January its year.
  const bars = periods.map((reading) => {
    const [year, month] = reading.date.split("-");
    return {
      value: reading.volume_m3,
      estimated: reading.estimated,
      label: periods.length <= 12 ? `${month}/${year.slice(2)}` : month === "01" ? year : "",
      title: `${frenchDate(reading.date)}\u00a0: ${reading.volume_m3}\u00a0m³${reading.estimated ? " (estimé)" : ""}`,
    };
  });
  barChart(container, { bars, summary, describedBy, unit: "m³" });
}

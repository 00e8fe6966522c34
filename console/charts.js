/*
 * Horizontal bar charts drawn as inline SVG (no chart library): one group of bars per label, one bar
 * per series, the value written at the end of each bar. The SVG is an image with a text alternative;
 * the same figures are in the table beside it for screen readers and for copying.
 */

import {h} from "./dom.js";

const ROW = 22;
const GAP = 10;
const LABEL_WIDTH = 170;
const CHART_WIDTH = 560;
const VALUE_ROOM = 60;

/**
 * @param {{title: string, labels: string[], series: {name: string, values: number[]}[], format?: (n) => string}} chart
 */
export function barChart({title, labels, series, format = (n) => String(n)}) {
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const groupHeight = series.length * ROW + GAP;
  const legendHeight = series.length > 1 ? ROW + 4 : 0;
  const height = legendHeight + labels.length * groupHeight + 4;
  const room = CHART_WIDTH - LABEL_WIDTH - VALUE_ROOM;
  const summary = labels.map((label, i) => `${label}: ${series.map((s) => `${s.name} ${format(s.values[i])}`)
    .join(", ")}`).join("; ");
  const svg = h("svg:svg", {class: "chart", viewBox: `0 0 ${CHART_WIDTH} ${height}`, width: "100%",
    role: "img", "aria-label": `${title}. ${summary}`, preserveAspectRatio: "xMinYMin meet"});
  svg.append(h("svg:title", {}, title));
  if (series.length > 1) {
    series.forEach((s, index) => {
      const x = LABEL_WIDTH + index * 150;
      svg.append(h("svg:rect", {x, y: 4, width: 14, height: 14, class: `bar bar--${index}`}),
        h("svg:text", {x: x + 20, y: 16, class: "chart-legend"}, s.name));
    });
  }
  labels.forEach((label, row) => {
    const top = legendHeight + row * groupHeight;
    svg.append(h("svg:text", {x: LABEL_WIDTH - 8, y: top + (series.length * ROW) / 2 + 5, class: "chart-label",
      "text-anchor": "end"}, clip(label, 24)));
    series.forEach((s, index) => {
      const value = Number(s.values[row]) || 0;
      const width = Math.max(value > 0 ? 2 : 0, (value / max) * room);
      const y = top + index * ROW + 2;
      svg.append(h("svg:rect", {x: LABEL_WIDTH, y, width, height: ROW - 6, rx: 3, class: `bar bar--${index}`}),
        h("svg:text", {x: LABEL_WIDTH + width + 6, y: y + ROW - 10, class: "chart-value"}, format(value)));
    });
  });
  return svg;
}

function clip(text, length) {
  const value = String(text);
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}

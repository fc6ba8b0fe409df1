// A small grouped horizontal bar chart in SVG, for docs/benchmarks.md: one
// block of bars per category, one bar per series, values printed at the bar
// ends. No dependencies; the output is static markup.
import type { ChartSpec } from "./harness.js";

const PALETTE = ["#1f6feb", "#d4a017", "#2da44e", "#cf222e", "#8250df", "#57606a", "#bf3989", "#0a7b83"];

const WIDTH = 760;
const LABEL_WIDTH = 150;
const VALUE_WIDTH = 80;
const BAR_HEIGHT = 16;
const BAR_GAP = 3;
const GROUP_GAP = 14;
const TOP = 46;
const LEGEND_COLUMNS = 2;
const FONT = "font-family=\"system-ui, -apple-system, Segoe UI, sans-serif\"";

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return "–";
  if (Number.isInteger(value)) return value.toLocaleString("en-US");
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toPrecision(3);
}

// A round axis maximum at or above `max`, whose fifths are round too.
function niceMaximum(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Renders the chart as an SVG document. */
export function renderBarChart(chart: ChartSpec): string {
  const seriesCount = chart.series.length;
  const groupHeight = seriesCount * (BAR_HEIGHT + BAR_GAP) - BAR_GAP;
  const legendRows = Math.ceil(seriesCount / LEGEND_COLUMNS);
  const plotHeight = chart.categories.length * (groupHeight + GROUP_GAP);
  const height = TOP + plotHeight + 30 + legendRows * 20;
  const plotWidth = WIDTH - LABEL_WIDTH - VALUE_WIDTH;

  const maximum = niceMaximum(Math.max(...chart.series.flatMap((series) => series.values.filter(Number.isFinite))));
  const scale = (value: number): number => (Number.isFinite(value) ? (value / maximum) * plotWidth : 0);

  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ${FONT} font-size="12">`);
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="20" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(chart.title)}</text>`);
  parts.push(`<text x="${LABEL_WIDTH + plotWidth / 2}" y="38" text-anchor="middle" fill="#57606a">${escapeXml(chart.unit)}</text>`);

  // Grid lines at fifths of the axis.
  for (let i = 0; i <= 5; i++) {
    const x = LABEL_WIDTH + (plotWidth * i) / 5;
    parts.push(`<line x1="${x}" y1="${TOP - 4}" x2="${x}" y2="${TOP + plotHeight - GROUP_GAP + 4}" stroke="#d0d7de" stroke-width="1"/>`);
    parts.push(`<text x="${x}" y="${TOP + plotHeight - GROUP_GAP + 18}" text-anchor="middle" fill="#57606a">${formatValue((maximum * i) / 5)}</text>`);
  }

  chart.categories.forEach((category, groupIndex) => {
    const groupTop = TOP + groupIndex * (groupHeight + GROUP_GAP);
    parts.push(`<text x="${LABEL_WIDTH - 8}" y="${groupTop + groupHeight / 2 + 4}" text-anchor="end" font-weight="600">${escapeXml(category)}</text>`);

    chart.series.forEach((series, seriesIndex) => {
      const value = series.values[groupIndex] ?? Number.NaN;
      const y = groupTop + seriesIndex * (BAR_HEIGHT + BAR_GAP);
      const width = Math.max(scale(value), Number.isFinite(value) ? 1 : 0);
      const color = PALETTE[seriesIndex % PALETTE.length]!;
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"><title>${escapeXml(`${series.name}: ${formatValue(value)}`)}</title></rect>`);
      parts.push(`<text x="${(LABEL_WIDTH + width + 4).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" fill="#24292f">${formatValue(value)}</text>`);
    });
  });

  const legendTop = TOP + plotHeight + 30;
  chart.series.forEach((series, index) => {
    const x = 20 + (index % LEGEND_COLUMNS) * ((WIDTH - 40) / LEGEND_COLUMNS);
    const y = legendTop + Math.floor(index / LEGEND_COLUMNS) * 20;
    parts.push(`<rect x="${x}" y="${y - 10}" width="12" height="12" fill="${PALETTE[index % PALETTE.length]}"/>`);
    parts.push(`<text x="${x + 18}" y="${y}">${escapeXml(series.name)}</text>`);
  });

  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

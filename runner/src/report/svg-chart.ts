// Inline SVG charts drawn in TypeScript: the report must open with no network
// and no script, so there is no chart library. Every chart and series carries
// data-chart / data-series attributes so tests (and people) can find them.
import { escapeXml, si } from "./format.ts";

export interface LineSeries {
  name: string;
  color: string;
  points: readonly (readonly [number, number])[];
  dashed?: boolean;
}

export interface Bar {
  name: string;
  value: number;
  color: string;
}

export interface BarGroup {
  label: string;
  bars: readonly Bar[];
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

const FRAME: Frame = { width: 560, height: 260, left: 56, right: 16, top: 50, bottom: 44 };

/** A "nice" axis top and step: 1, 2 or 5 times a power of ten, at most ~5 ticks. */
export function niceScale(max: number): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

function yAxis(f: Frame, top: number, step: number, unit: string): string {
  const h = f.height - f.top - f.bottom;
  const parts: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = f.top + h - (v / top) * h;
    parts.push(`<line x1="${f.left}" x2="${f.width - f.right}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${f.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end" class="tick">${si(v)}</text>`);
  }
  parts.push(`<text x="12" y="${f.top + h / 2}" transform="rotate(-90 12 ${f.top + h / 2})" text-anchor="middle" class="axis">${escapeXml(unit)}</text>`);
  return parts.join("");
}

function legend(f: Frame, items: readonly { name: string; color: string; dashed?: boolean }[]): string {
  let x = f.left;
  return items
    .map((it) => {
      const g = `<g class="legend"><line x1="${x}" x2="${x + 18}" y1="32" y2="32" stroke="${it.color}" stroke-width="3"${it.dashed ? ' stroke-dasharray="5 3"' : ""}/><text x="${x + 23}" y="36" class="tick">${escapeXml(it.name)}</text></g>`;
      x += 32 + it.name.length * 6.5;
      return g;
    })
    .join("");
}

function open(f: Frame, id: string, title: string): string {
  return `<svg class="chart" data-chart="${escapeXml(id)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${f.width} ${f.height}" width="${f.width}" height="${f.height}" role="img" aria-label="${escapeXml(title)}"><title>${escapeXml(title)}</title><text x="${f.left}" y="18" class="title">${escapeXml(title)}</text>`;
}

/** Lines over a shared x axis (seconds); points drawn too, so a 2-sample run still shows. */
export function lineChart(id: string, title: string, series: readonly LineSeries[], units: { x: string; y: string }): string {
  const f = FRAME;
  const all = series.flatMap((s) => s.points);
  const xMin = Math.min(0, ...all.map((p) => p[0]));
  const xMaxRaw = Math.max(1, ...all.map((p) => p[0]));
  const { top, step } = niceScale(Math.max(0, ...all.map((p) => p[1])));
  const w = f.width - f.left - f.right;
  const h = f.height - f.top - f.bottom;
  const xs = niceScale(xMaxRaw - xMin);
  const xMax = xMin + xs.top;
  const px = (x: number) => f.left + ((x - xMin) / (xMax - xMin)) * w;
  const py = (y: number) => f.top + h - (y / top) * h;
  const xTicks: string[] = [];
  for (let v = xMin; v <= xMax + xs.step / 2; v += xs.step) {
    xTicks.push(`<text x="${px(v).toFixed(1)}" y="${f.height - f.bottom + 16}" text-anchor="middle" class="tick">${si(v)}</text>`);
  }
  const lines = series.map((s) => {
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join("");
    const dots = s.points.map((p) => `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`).join("");
    return `<g class="series" data-series="${escapeXml(s.name)}" data-points="${s.points.length}"><path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>${dots}</g>`;
  });
  return [
    open(f, id, title),
    yAxis(f, top, step, units.y),
    `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + h}" y2="${f.top + h}" class="axisline"/>`,
    ...xTicks,
    `<text x="${f.left + w / 2}" y="${f.height - 6}" text-anchor="middle" class="axis">${escapeXml(units.x)}</text>`,
    ...lines,
    legend(f, series),
    "</svg>",
  ].join("");
}

/** Grouped bars (e.g. one group per rate, one bar per receiver mode), values printed on top. */
export function barChart(id: string, title: string, groups: readonly BarGroup[], unit: string): string {
  const f = FRAME;
  const { top, step } = niceScale(Math.max(0, ...groups.flatMap((g) => g.bars.map((b) => b.value))));
  const w = f.width - f.left - f.right;
  const h = f.height - f.top - f.bottom;
  const gw = w / Math.max(1, groups.length);
  const n = Math.max(1, ...groups.map((g) => g.bars.length));
  const bw = Math.min(40, (gw * 0.8) / n);
  const names = new Map<string, string>();
  const body = groups.map((g, gi) => {
    const x0 = f.left + gi * gw + (gw - bw * g.bars.length) / 2;
    const bars = g.bars.map((b, bi) => {
      names.set(b.name, b.color);
      const bh = (b.value / top) * h;
      const x = x0 + bi * bw;
      return `<g class="bar" data-series="${escapeXml(b.name)}" data-group="${escapeXml(g.label)}" data-value="${b.value}"><rect x="${(x + 1).toFixed(1)}" y="${(f.top + h - bh).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${bh.toFixed(1)}" fill="${b.color}" rx="2"/><text x="${(x + bw / 2).toFixed(1)}" y="${(f.top + h - bh - 3).toFixed(1)}" text-anchor="middle" class="value">${si(b.value)}</text></g>`;
    });
    return `${bars.join("")}<text x="${(f.left + gi * gw + gw / 2).toFixed(1)}" y="${f.height - f.bottom + 16}" text-anchor="middle" class="tick">${escapeXml(g.label)}</text>`;
  });
  return [
    open(f, id, title),
    yAxis(f, top, step, unit),
    `<line x1="${f.left}" x2="${f.width - f.right}" y1="${f.top + h}" y2="${f.top + h}" class="axisline"/>`,
    ...body,
    legend(f, [...names].map(([name, color]) => ({ name, color }))),
    "</svg>",
  ].join("");
}

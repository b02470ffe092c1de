/** Linear scales and "nice" tick values for chart axes. */

export interface Domain {
  min: number;
  max: number;
}

export type Scale = (value: number) => number;

/** Maps [domain.min, domain.max] linearly onto [from, to] (from > to for a y axis that grows upwards). */
export function linearScale(domain: Domain, from: number, to: number): Scale {
  const span = domain.max - domain.min;
  if (!(span > 0)) throw new RangeError(`empty domain [${domain.min}, ${domain.max}]`);
  return (value) => from + ((value - domain.min) / span) * (to - from);
}

/**
 * The extent of the finite values, widened so it is never empty: a single value v gets [v - 1, v + 1]
 * (or a 10 % margin around it), and `include` values (e.g. 0 for bars) are always inside.
 */
export function extent(values: Iterable<number>, include: readonly number[] = []): Domain {
  let min = Infinity;
  let max = -Infinity;
  for (const value of [...values, ...include]) {
    if (!Number.isFinite(value)) continue;
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  if (min === Infinity) return { min: 0, max: 1 };
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    return { min: min - pad, max: max + pad };
  }
  return { min, max };
}

/** A step of 1, 2 or 5 times a power of ten giving about `count` intervals over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** The domain widened outwards to whole steps, and the tick values inside it (about `count` intervals). */
export function niceTicks(domain: Domain, count = 5): { domain: Domain; ticks: number[] } {
  const step = niceStep(domain.max - domain.min, count);
  const min = Math.floor(domain.min / step + 1e-9) * step;
  const max = Math.ceil(domain.max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; min + i * step <= max + step * 1e-9; i++) ticks.push(roundToStep(min + i * step, step));
  return { domain: { min: roundToStep(min, step), max: roundToStep(max, step) }, ticks };
}

function roundToStep(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 1);
  const rounded = Number(value.toFixed(Math.min(decimals, 12)));
  return Object.is(rounded, -0) ? 0 : rounded;
}

/** A tick label: integers as they are, others with up to 3 significant decimals, large numbers with k/M. */
export function formatTick(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e4) return `${Number((value / 1e3).toPrecision(3))}k`;
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(3)));
}

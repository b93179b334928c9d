/**
 * promtool's expanding notation for test series: space-separated tokens, each a number, "_"
 * (no sample), "a+bxn" / "a-bxn" (a, a±b, … n+1 values), "axn" (a repeated n+1 times) or "_xn"
 * (n missing samples).
 */
export function expandValues(text: string): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    if (token === '_') {
      out.push(undefined);
      continue;
    }
    const blank = /^_x(\d+)$/.exec(token);
    if (blank) {
      for (let i = 0; i < Number(blank[1]); i++) out.push(undefined);
      continue;
    }
    const series = /^(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?:([+-])(\d+(?:\.\d+)?(?:e[+-]?\d+)?))?x(\d+)$/i.exec(token);
    if (series) {
      const start = Number(series[1]);
      const step = series[2] ? Number(series[3]) * (series[2] === '-' ? -1 : 1) : 0;
      for (let i = 0; i <= Number(series[4]); i++) out.push(start + step * i);
      continue;
    }
    const value = Number(token);
    if (!Number.isFinite(value)) throw new Error(`invalid series value "${token}"`);
    out.push(value);
  }
  return out;
}

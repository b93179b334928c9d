/**
 * The subset of Prometheus's Go templates that alert labels and annotations use:
 * {{ $labels.name }}, {{ $value }}, and the humanize helpers applied to either, e.g.
 * {{ humanizePercentage $value }}. Anything else is rejected when rules are loaded.
 */
const EXPRESSION = /\{\{\s*(.*?)\s*\}\}/g;
/** Go's %.4g: four significant digits, trailing zeros dropped. */
const g4 = (n: number) => String(Number(n.toPrecision(4)));

/** Steps n by `base` through `prefixes` while it is at least `base` (up) or below 1 (down). */
function prefixed(n: number, base: number, up: string[], down: string[]): string {
  let v = n;
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of up) {
      if (Math.abs(v) < base) break;
      prefix = p;
      v /= base;
    }
  } else {
    for (const p of down) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= base;
    }
  }
  return `${g4(v)}${prefix}`;
}

const SI_UP = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_DOWN = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

/** Output identical to Prometheus's template functions of the same names, so annotations port unchanged. */
const HELPERS: Record<string, (n: number) => string> = {
  humanize: (n) => (n === 0 || !Number.isFinite(n) ? g4(n) : prefixed(n, 1000, SI_UP, SI_DOWN)),
  humanize1024: (n) => (Math.abs(n) <= 1 || !Number.isFinite(n) ? g4(n) : prefixed(n, 1024, ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'], [])),
  humanizePercentage: (n) => `${g4(n * 100)}%`,
  humanizeDuration: (n) => {
    if (!Number.isFinite(n)) return g4(n);
    if (n === 0) return '0s';
    if (Math.abs(n) < 1) return `${prefixed(n, 1000, [], SI_DOWN)}s`;
    const sign = n < 0 ? '-' : '';
    const total = Math.trunc(Math.abs(n));
    const [d, h, m, s] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
    if (d > 0) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h > 0) return `${sign}${h}h ${m}m ${s}s`;
    if (m > 0) return `${sign}${m}m ${s}s`;
    return `${sign}${g4(Math.abs(n))}s`;
  },
};

type Scope = { labels: Record<string, string>; value: number };

function evaluate(expression: string, scope: Scope): string {
  const [first, second, ...rest] = expression.split(/\s+/);
  if (rest.length > 0) throw new Error(`unsupported template expression "{{ ${expression} }}"`);
  if (second !== undefined) {
    const helper = HELPERS[first!];
    if (!helper) throw new Error(`unknown template function "${first}" (known: ${Object.keys(HELPERS).join(', ')})`);
    const operand = operandValue(second, scope);
    return helper(Number(operand));
  }
  return String(operandValue(first!, scope));
}

function operandValue(token: string, scope: Scope): string | number {
  if (token === '$value') return scope.value;
  if (token.startsWith('$labels.')) return scope.labels[token.slice('$labels.'.length)] ?? '';
  throw new Error(`unsupported template operand "${token}": use $value or $labels.name`);
}

export function renderTemplate(template: string, labels: Record<string, string>, value: number): string {
  return template.replace(EXPRESSION, (_, expression: string) => evaluate(expression, { labels, value }));
}

/** An error message if the template uses anything this renderer does not support. */
export function validateTemplates(template: string): string | undefined {
  try {
    renderTemplate(template, {}, 0);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

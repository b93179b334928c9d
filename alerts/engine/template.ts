/**
 * The subset of Prometheus's Go templates that alert labels and annotations use:
 * {{ $labels.name }}, {{ $value }}, and the humanize helpers applied to either, e.g.
 * {{ humanizePercentage $value }}. Anything else is rejected when rules are loaded.
 */
const EXPRESSION = /\{\{\s*(.*?)\s*\}\}/g;
/** n scaled down by `base` while it is at least `base`, with the unit reached. */
function scaled(n: number, base: number, units: string[]): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

const HELPERS: Record<string, (n: number) => string> = {
  humanize: (n) => scaled(n, 1000, ['', 'k', 'M', 'G', 'T', 'P']),
  humanize1024: (n) => scaled(n, 1024, ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi']),
  humanizePercentage: (n) => `${Number((n * 100).toPrecision(4))}%`,
  humanizeDuration: (n) => {
    if (n < 1) return `${Number((n * 1000).toPrecision(4))}ms`;
    const parts: string[] = [];
    let s = Math.round(n);
    for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]] as const) {
      if (s >= size) {
        parts.push(`${Math.floor(s / size)}${unit}`);
        s %= size;
      }
    }
    if (s > 0 || parts.length === 0) parts.push(`${s}s`);
    return parts.join(' ');
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

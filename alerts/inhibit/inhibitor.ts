import { matchesAll, parseMatcher, type Matcher } from '../dispatch/matchers.ts';

interface InhibitRule {
  source: Matcher[];
  target: Matcher[];
  equal: string[];
}

/** Alertmanager inhibition: a firing source alert mutes matching targets that share `equal` labels. */
export class Inhibitor {
  private readonly rules: InhibitRule[];

  constructor(rules: Array<{ source_matchers: string[]; target_matchers: string[]; equal: string[] }>) {
    this.rules = rules.map((r) => ({ source: r.source_matchers.map(parseMatcher), target: r.target_matchers.map(parseMatcher), equal: r.equal }));
  }

  isInhibited(target: Record<string, string>, firing: Array<Record<string, string>>): boolean {
    return this.rules.some(
      (rule) =>
        matchesAll(rule.target, target) &&
        firing.some(
          (source) =>
            // An alert matching both sides does not inhibit itself.
            !sameLabels(source, target) &&
            matchesAll(rule.source, source) &&
            rule.equal.every((l) => (source[l] ?? '') === (target[l] ?? '')),
        ),
    );
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

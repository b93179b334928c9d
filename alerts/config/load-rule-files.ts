import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatPath } from '../../core/config/index.ts';
import { validateTemplates } from '../engine/template.ts';
import { ruleFileSchema, type RuleGroup } from './rule-schema.ts';

export interface RuleProblem {
  file: string;
  path: string;
  message: string;
}

export type RuleLoad = { ok: true; groups: RuleGroup[] } | { ok: false; problems: RuleProblem[] };

/** Reads and validates rule files; every problem is reported with its file and path. */
export async function loadRuleFiles(files: string[]): Promise<RuleLoad> {
  const groups: RuleGroup[] = [];
  const problems: RuleProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      problems.push({ file, path: '(file)', message: `cannot read: ${(err as Error).message}` });
      continue;
    }
    const doc = parseDocument(text);
    if (doc.errors.length > 0) {
      for (const e of doc.errors) problems.push({ file, path: '(yaml)', message: e.message.split('\n')[0]! });
      continue;
    }
    const parsed = ruleFileSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push({ file, path: formatPath(issue.path), message: issue.message });
      continue;
    }
    parsed.data.groups.forEach((group, g) =>
      group.rules.forEach((rule, r) => {
        for (const [where, template] of [...Object.entries(rule.labels).map(([k, v]) => [`labels.${k}`, v]), ...Object.entries(rule.annotations).map(([k, v]) => [`annotations.${k}`, v])]) {
          const error = validateTemplates(template!);
          if (error) problems.push({ file, path: `groups[${g}].rules[${r}].${where}`, message: error });
        }
      }),
    );
    groups.push(...parsed.data.groups);
  }
  const seen = new Set<string>();
  for (const g of groups) {
    if (seen.has(g.name)) problems.push({ file: files.join(','), path: 'groups', message: `group "${g.name}" is defined twice` });
    seen.add(g.name);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, groups };
}

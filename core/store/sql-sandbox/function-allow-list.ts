import { AGGREGATE_COMBINATORS, AGGREGATE_FUNCTIONS, SCALAR_FUNCTIONS } from './allowed-functions.ts';
import { TABLE_FUNCTIONS } from './allowed-tables.ts';

const scalar = new Set(SCALAR_FUNCTIONS.map((n) => n.toLowerCase()));
const aggregate = new Set(AGGREGATE_FUNCTIONS.map((n) => n.toLowerCase()));
const combinators = AGGREGATE_COMBINATORS.map((c) => c.toLowerCase());
const tableFunctions = new Set(TABLE_FUNCTIONS.map((n) => n.toLowerCase()));

/**
 * Answers "may a user query call this function?" from the lists in allowed-functions.ts.
 * Names compare case-insensitively (the parser keeps `COUNT` as written, and the engine resolves
 * case-insensitive names itself); a name that differs from an allowed one only in case and is
 * not that function is unknown to the engine and fails there. Aliases come from the engine's own
 * system.functions, so `lcase` is allowed because the engine says it is `lower`.
 */
export class FunctionAllowList {
  constructor(private readonly aliases: ReadonlyMap<string, string>) {}

  allowsFunction(name: string): boolean {
    const lower = name.toLowerCase();
    if (scalar.has(lower) || isAggregate(lower)) return true;
    const target = this.aliases.get(lower);
    return target !== undefined && (scalar.has(target) || isAggregate(target));
  }

  allowsTableFunction(name: string): boolean {
    return tableFunctions.has(name.toLowerCase());
  }
}

/** `sumIf`, `uniqMergeState`, `quantilesTDigestIf`: an allowed aggregate under any combinators. */
function isAggregate(name: string): boolean {
  if (aggregate.has(name)) return true;
  for (const combinator of combinators) {
    if (name.length > combinator.length && name.endsWith(combinator) && isAggregate(name.slice(0, -combinator.length))) return true;
  }
  return false;
}

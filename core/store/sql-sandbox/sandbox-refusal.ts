import { StoreError } from '../store.ts';

/** What the sandbox refused: the API names it in its 403 answer. */
export type RefusedKind = 'function' | 'table function' | 'table' | 'statement' | 'clause' | 'syntax';

/** A user statement the SQL sandbox does not run; engine code 164 (READONLY) maps it to 403. */
export class SandboxRefusal extends StoreError {
  constructor(
    readonly refused: { kind: RefusedKind; name: string },
    message: string,
  ) {
    super(message, false, 164);
  }
}

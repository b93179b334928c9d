export { ROLES, grants } from './roles.ts';
export type { Role } from './roles.ts';
export { loadTokens, TokenConfigError, MIN_TOKEN_LENGTH } from './token-set.ts';
export type { Token, TokenConfig } from './token-set.ts';
export { createAuthorizer, bearer, wwwAuthenticate } from './authorizer.ts';
export type { Authorizer, AuthResult } from './authorizer.ts';
export { requireRole } from './require-role.ts';
export type { RoleFor } from './require-role.ts';
export { assertExposureAllowed, isLoopback, ExposureError } from './exposure.ts';

import { matchesAll, parseMatcher, type Matcher } from './matchers.ts';

/** A route with its settings resolved (inherited from its parent where unset). */
export interface ResolvedRoute {
  id: string;
  receiver: string;
  matchers: Matcher[];
  continue: boolean;
  groupBy: string[] | 'all';
  groupWait: number;
  groupInterval: number;
  repeatInterval: number;
  /** Names of time intervals during which this route sends nothing (not inherited, as in Alertmanager). */
  muteTimeIntervals: string[];
  routes: ResolvedRoute[];
}

const DEFAULTS = { groupWait: 30_000, groupInterval: 300_000, repeatInterval: 4 * 3_600_000 };

export function resolveRoute(input: any, parent?: ResolvedRoute, id = '0'): ResolvedRoute {
  const route: ResolvedRoute = {
    id,
    receiver: input.receiver ?? parent?.receiver ?? '',
    matchers: (input.matchers ?? []).map(parseMatcher),
    continue: input.continue ?? false,
    groupBy: input.group_by ? (input.group_by.includes('...') ? 'all' : input.group_by) : (parent?.groupBy ?? []),
    groupWait: input.group_wait ?? parent?.groupWait ?? DEFAULTS.groupWait,
    groupInterval: input.group_interval ?? parent?.groupInterval ?? DEFAULTS.groupInterval,
    repeatInterval: input.repeat_interval ?? parent?.repeatInterval ?? DEFAULTS.repeatInterval,
    muteTimeIntervals: input.mute_time_intervals ?? [],
    routes: [],
  };
  route.routes = (input.routes ?? []).map((child: any, i: number) => resolveRoute(child, route, `${id}.${i}`));
  return route;
}

/**
 * Alertmanager's routing: the deepest matching routes win; siblings after a match are tried
 * only when it has `continue`. The root always matches.
 */
export function matchRoutes(route: ResolvedRoute, labels: Record<string, string>): ResolvedRoute[] {
  if (!matchesAll(route.matchers, labels)) return [];
  const found: ResolvedRoute[] = [];
  for (const child of route.routes) {
    const matched = matchRoutes(child, labels);
    if (matched.length === 0) continue;
    found.push(...matched);
    if (!child.continue) break;
  }
  return found.length > 0 ? found : [route];
}

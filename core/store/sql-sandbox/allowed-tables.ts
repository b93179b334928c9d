/**
 * Table functions user queries may read from: they generate rows from their arguments and
 * read nothing outside the query (no file, URL, host, dictionary, database or stdin).
 */
export const TABLE_FUNCTIONS: readonly string[] = [
  'numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generateSeries', 'generate_series',
  'generateRandom', 'primes', 'SQLStandardValues',
];

/**
 * Tables of the `system` database user queries may read, besides every table of vigil's own
 * database. Schema, sizes, merges and engine metrics are useful to dashboards and harmless.
 * Left out on purpose: users, roles, grants, quotas, settings* (values and profiles),
 * server_settings, named_collections, dictionaries, clusters, macros, disks (paths),
 * processes and query_log/query_views_log/text_log (other people's SQL, which may hold
 * literals they would not share), errors, stack_trace, zookeeper, and everything else.
 */
export const SYSTEM_TABLES: readonly string[] = [
  'one', 'numbers', 'numbers_mt', 'zeros', 'zeros_mt',
  'databases', 'tables', 'columns', 'parts', 'parts_columns', 'merges', 'mutations',
  'functions', 'table_functions', 'aggregate_function_combinators', 'data_type_families', 'time_zones',
  'metrics', 'events',
];

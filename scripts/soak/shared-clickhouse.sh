#!/bin/sh
# Soak of exactly-once with two `vigil processor` processes sharing one engine (through the
# ClickHouse HTTP test fake) while one is SIGKILLed at random points: the e2e test, longer.
#   scripts/soak/shared-clickhouse.sh [records] [kills]     (defaults: 120000 records, 12 kills)
# Prints {"records","kills","replays","seconds"} and fails if any record is lost or duplicated.
set -eu
cd "$(dirname "$0")/../.."
VIGIL_TEST_RECORDS="${1:-120000}" VIGIL_TEST_KILLS="${2:-12}" \
  exec npx vitest run test/shared-clickhouse.e2e.test.ts --testTimeout=1800000 --hookTimeout=300000

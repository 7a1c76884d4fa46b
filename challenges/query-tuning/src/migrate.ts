import type pg from 'pg';

/**
 * Runs before the service listens, on every instance (two start at once). The shop's tables
 * exist already, with primary keys only; schema changes of yours go here.
 */
export async function migrate(_pool: pg.Pool): Promise<void> {}

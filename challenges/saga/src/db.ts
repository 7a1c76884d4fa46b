import type pg from 'pg';

/** Your migrations: tables and indexes. Two instances run this at once. */
export async function migrate(_pool: pg.Pool): Promise<void> {}

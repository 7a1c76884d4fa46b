import type pg from 'pg';

/**
 * Your migrations: indexes and extra tables. The products table already exists (the grader made
 * it); never change its columns or rows. Two instances run this at once.
 */
export async function migrate(_pool: pg.Pool): Promise<void> {}

import pg from 'pg';
import { createApp } from '../reference/src/app.ts';
import { tunedShop } from '../reference/src/shop.ts';

// The tuned queries (the reference's), on the grader's own copy of the shop with the same indexes:
// what a tuned service costs on this machine, measured in the same run (README R8). It reaches
// Postgres the way the candidate does, through the run's proxy (DATABASE_URL's host and port),
// as the grader's copy's owner.
const url = new URL(process.env.GRADER_DATABASE_URL!);
const proxied = new URL(process.env.DATABASE_URL!);
url.hostname = proxied.hostname;
url.port = proxied.port;
const pool = new pg.Pool({ connectionString: url.toString(), max: 20 });
pool.on('error', () => {});
createApp({ shop: tunedShop(pool) }).listen(Number(process.env.PORT));

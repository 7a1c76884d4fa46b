/** The environment this process runs with (README "Environment"), checked once. */
export interface Config {
  port: number;
  databaseUrl: string;
  version: 1 | 2;
  step: 'expand' | 'backfill' | 'contract' | null;
}

const STEPS = ['expand', 'backfill', 'contract'] as const;

/** Read and check the environment; a wrong value stops the process, naming it. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`PORT=${env.PORT} is not a port`);
  const databaseUrl = env.DATABASE_URL ?? '';
  if (!databaseUrl) problems.push('DATABASE_URL is not set');
  const version = env.APP_VERSION ?? '1';
  if (version !== '1' && version !== '2') problems.push(`APP_VERSION=${version}: 1 or 2`);
  const step = env.MIGRATION_STEP || null;
  if (step !== null && !(STEPS as readonly string[]).includes(step))
    problems.push(`MIGRATION_STEP=${step}: one of ${STEPS.join(', ')}`);
  if (problems.length) throw new Error(`bad environment: ${problems.join('; ')}`);
  return { port, databaseUrl, version: version === '2' ? 2 : 1, step: step as Config['step'] };
}

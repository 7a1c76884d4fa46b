import { z } from 'zod';

const positiveInt = z.coerce.number().int().min(1);

const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  REDIS_URL: z.string().min(1),
  ORIGIN_URL: z
    .string()
    .url()
    .transform((u) => u.replace(/\/+$/, '')),
  CACHE_TTL_MS: positiveInt.default(30_000),
  STALE_TTL_MS: z.coerce.number().int().min(0).default(60_000),
  NEGATIVE_TTL_MS: positiveInt.default(5_000),
  ORIGIN_MAX_CONCURRENCY: positiveInt.default(8),
});

/** Validated environment. */
export type Config = z.infer<typeof Env>;

/** Parse the environment once at start-up; a bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid environment: ${issues}`);
  }
  return parsed.data;
}

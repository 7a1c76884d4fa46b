import { z } from 'zod';

const positiveInt = z.coerce.number().int().min(1);

const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  REDIS_URL: z.string().min(1),
  RATE_LIMIT: positiveInt.default(100),
  RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000),
  BUCKET_CAPACITY: positiveInt.default(20),
  BUCKET_REFILL_PER_SEC: z.coerce.number().positive().default(5),
  API_KEYS: z
    .string()
    .default('')
    .transform(
      (s) =>
        new Set(
          s
            .split(',')
            .map((k) => k.trim())
            .filter(Boolean),
        ),
    ),
  TRUST_PROXY: z.coerce.number().int().min(0).default(0),
  RATE_LIMIT_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
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

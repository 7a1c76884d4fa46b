import express, { type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';
import type { Accounts } from './accounts.js';
import { FIRST_NAME, LAST_NAME, splitsBack } from './names.js';

/** What the app needs from the outside world. */
export interface Deps {
  accounts: Accounts;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const Email = z
  .string()
  .min(3)
  .max(254)
  .regex(/^[^@\s]+@[^@\s]+$/, 'email must hold one @ and no space');
const FirstName = z
  .string()
  .regex(FIRST_NAME, "first_name: 1 to 50 letters, ' or -, single spaces between words");
const LastName = z.string().regex(LAST_NAME, "last_name: 0 to 50 letters, ' or -, no space");
const SPLITS_BACK = 'last_name may be empty only when first_name is one word';
const NewAccount = z
  .strictObject({ email: Email, first_name: FirstName, last_name: LastName })
  .refine(splitsBack, SPLITS_BACK);
const Change = z.strictObject({
  email: Email.optional(),
  first_name: FirstName.optional(),
  last_name: LastName.optional(),
});

const idOf = (raw: string): number => {
  if (!/^[1-9]\d{0,15}$/.test(raw))
    throw new HttpError(400, 'invalid_parameter', 'id must be a positive integer');
  return Number(raw);
};
const taken = (email: string | undefined) =>
  new HttpError(409, 'email_taken', `${email ?? 'that email'} belongs to another account`);

/** The HTTP API, the same in both versions (README R1, R2). Never listens: server.ts does. */
export function createApp(deps: Deps) {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '16kb' }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.post('/accounts', async (req, res) => {
    const parsed = NewAccount.safeParse(req.body);
    if (!parsed.success)
      throw new HttpError(400, 'invalid_account', parsed.error.issues[0]?.message ?? 'invalid account');
    const { email, ...names } = parsed.data;
    const created = await deps.accounts.create(email, names);
    if (created === 'email_taken') throw taken(email);
    res.status(201).json(created);
  });

  app.get('/accounts/:id', async (req: Request<{ id: string }>, res) => {
    const found = await deps.accounts.get(idOf(req.params.id));
    if (!found) throw new HttpError(404, 'not_found', `no account ${req.params.id}`);
    res.json(found);
  });

  app.patch('/accounts/:id', async (req: Request<{ id: string }>, res) => {
    const id = idOf(req.params.id);
    const parsed = Change.safeParse(req.body);
    if (!parsed.success)
      throw new HttpError(400, 'invalid_change', parsed.error.issues[0]?.message ?? 'invalid change');
    const updated = await deps.accounts.update(id, parsed.data);
    if (updated === 'email_taken') throw taken(parsed.data.email);
    if (updated === 'names_split_wrong') throw new HttpError(400, 'invalid_change', SPLITS_BACK);
    if (!updated) throw new HttpError(404, 'not_found', `no account ${id}`);
    res.json(updated);
  });

  app.use((req, _res) => {
    throw new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`);
  });
  const onError: ErrorRequestHandler = (err, _req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    // express.json's parse errors carry their own 4xx status.
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).json({ error: { code: 'bad_request', message: 'malformed request body' } });
      return;
    }
    console.error(err);
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
  app.use(onError);
  return app;
}

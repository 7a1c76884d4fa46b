import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AccountChange, Accounts } from './accounts.js';
import { isEmail, isFirstName, isLastName, type Names, splitsBack } from './names.js';

/** What the service needs from outside: the queries of the version it runs. */
export interface Deps {
  accounts: Accounts;
}

/** A refusal with its status and code, answered as the README's error JSON. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 16 * 1024;
const BIGINT_MAX = 9_223_372_036_854_775_807n;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Refusal(413, 'too_large', `a body of at most ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Refusal(400, 'bad_json', 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Refusal(400, 'bad_json', 'the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

/**
 * An account id from the path, as a string for the driver: a positive integer (README), and one
 * past bigint's range is simply no account.
 */
function accountId(raw: string): string | null {
  if (!/^\d+$/.test(raw) || /^0+$/.test(raw))
    throw new Refusal(400, 'bad_id', `${raw} is not a positive integer`);
  return BigInt(raw) > BIGINT_MAX ? null : BigInt(raw).toString();
}

function newAccount(b: Record<string, unknown>): { email: string } & Names {
  if (!isEmail(b.email)) throw new Refusal(400, 'bad_email', 'email: 3 to 254 characters, one @, no space');
  if (!isFirstName(b.first_name))
    throw new Refusal(400, 'bad_first_name', "first_name: 1 to 50 letters, ' or -, words one space apart");
  if (!isLastName(b.last_name))
    throw new Refusal(400, 'bad_last_name', "last_name: 0 to 50 letters, ' or -, no space");
  const names = { first_name: b.first_name, last_name: b.last_name };
  if (!splitsBack(names)) throw namesRefused();
  return { email: b.email, ...names };
}

function change(b: Record<string, unknown>): AccountChange {
  const out: AccountChange = {};
  if (b.email !== undefined) {
    if (!isEmail(b.email)) throw new Refusal(400, 'bad_email', 'email: 3 to 254 characters, one @, no space');
    out.email = b.email;
  }
  if (b.first_name !== undefined) {
    if (!isFirstName(b.first_name))
      throw new Refusal(400, 'bad_first_name', "first_name: 1 to 50 letters, ' or -, words one space apart");
    out.first_name = b.first_name;
  }
  if (b.last_name !== undefined) {
    if (!isLastName(b.last_name))
      throw new Refusal(400, 'bad_last_name', "last_name: 0 to 50 letters, ' or -, no space");
    out.last_name = b.last_name;
  }
  return out;
}

const emailTaken = () => new Refusal(409, 'conflict', 'that email belongs to another account');
const namesRefused = () =>
  new Refusal(
    400,
    'bad_names',
    'an empty last_name needs a first_name of one word (the name would split otherwise)',
  );
const noAccount = (id: string) => new Refusal(404, 'no_such_account', `account ${id} does not exist`);

async function route(deps: Deps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://service').pathname;
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { ok: true });
  if (req.method === 'POST' && path === '/accounts') {
    const input = newAccount(await jsonBody(req));
    const { email, ...names } = input;
    const made = await deps.accounts.create(email, names);
    if (made === 'email_taken') throw emailTaken();
    if (made === 'names_refused') throw namesRefused();
    return send(res, 201, made);
  }
  const one = /^\/accounts\/([^/]+)$/.exec(path);
  if (one && (req.method === 'GET' || req.method === 'PATCH')) {
    const raw = decodeURIComponent(one[1]!);
    const id = accountId(raw);
    const body = req.method === 'PATCH' ? change(await jsonBody(req)) : null;
    if (id === null) throw noAccount(raw);
    const found = body ? await deps.accounts.update(id, body) : await deps.accounts.get(id);
    if (found === 'email_taken') throw emailTaken();
    if (found === 'names_refused') throw namesRefused();
    if (!found) throw noAccount(id);
    return send(res, 200, found);
  }
  throw new Refusal(404, 'no_route', `${req.method} ${path} is not part of the API`);
}

/** The HTTP API of both versions (README R1, R2), not yet listening: server.ts listens. */
export function createApp(deps: Deps): Server {
  return createServer((req, res) => {
    route(deps, req, res).catch((e: unknown) => {
      if (e instanceof Refusal) return send(res, e.status, { error: { code: e.code, message: e.message } });
      console.error(e);
      send(res, 500, { error: { code: 'server_error', message: 'the request failed on our side' } });
    });
  });
}

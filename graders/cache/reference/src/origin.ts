/** A product as the origin serves it (extra fields are kept as they came). */
export interface Product {
  id: string;
  version: number;
  [field: string]: unknown;
}

/** The origin refused, failed (5xx) or did not answer within the call timeout (R8). */
export class OriginUnavailable extends Error {}

/** What one origin call gave: a JSON answer with its status. */
export interface OriginAnswer {
  status: number;
  json: unknown;
}

/** The README's bound: an origin call not answered within 1 s has failed. */
export const ORIGIN_TIMEOUT_MS = 1_000;

/**
 * The origin behind a counting semaphore (R9): at most `maxConcurrency` calls in flight from this
 * process, the rest queued in arrival order. Each call is cut after ORIGIN_TIMEOUT_MS.
 */
export class Origin {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly maxConcurrency: number,
  ) {}

  private async slot(): Promise<() => void> {
    if (this.active >= this.maxConcurrency) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    // A released slot passes straight to the next waiter: `active` never dips in between.
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }

  /** One call; a 4xx comes back as an answer, anything worse as OriginUnavailable. */
  async call(
    method: 'GET' | 'PUT',
    path: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const release = await this.slot();
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(ORIGIN_TIMEOUT_MS),
      });
      const text = await res.text();
      if (res.status >= 500) throw new OriginUnavailable(`origin answered ${res.status}`);
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        throw new OriginUnavailable('origin answered something other than JSON');
      }
      return { status: res.status, json } satisfies OriginAnswer;
    } catch (e) {
      if (e instanceof OriginUnavailable) throw e;
      throw new OriginUnavailable(`origin unreachable: ${(e as Error).message}`);
    } finally {
      release();
    }
  }
}

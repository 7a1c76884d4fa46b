import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { fullName, seededEmail, seededNames, UNTOUCHED_BELOW } from './data.ts';

/** An account as the README's API shows it. */
export interface Account {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
  name: string;
}

/** A request the traffic sent that did not get its answer (README R9). */
export interface Lost {
  phase: string;
  instance: string;
  sent: string;
  got: string;
}

/** One phase's traffic: what was sent, what was lost, how fast. */
export interface PhaseStats {
  phase: string;
  requests: number;
  lost: number;
  ms: number;
  rps: number;
  p50: number;
  p99: number;
}

/** What `Traffic.stop` hands back. */
export interface TrafficReport {
  phases: PhaseStats[];
  /** The first requests lost in each phase, in order (at most 20 a phase). */
  lost: Lost[];
  /** Answers that were not the README's (a wrong name, a missing account), in order (at most 20 a phase). */
  wrong: Lost[];
  /** Every account the traffic created or changed and got a 2xx for, as it must read now. */
  written: Map<number, Account>;
  /** Accounts a lost write left unknown: left out of every check. */
  uncertain: number[];
}

/** Whether an answer shows the names `want` has (R2: `name` joins the other two). */
export const sameNames = (a: { [k in keyof Account]?: unknown } | null, want: Account): boolean =>
  a?.first_name === want.first_name && a?.last_name === want.last_name && a?.name === want.name;

/** README R9: every request answered within 2 s. */
const ANSWER_MS = 2_000;
const WORKERS_PER_INSTANCE = 4;
/** Lost requests and wrong answers kept per phase, for the report. */
const KEPT_PER_PHASE = 20;

/**
 * Mixed reads and writes on every instance in service, as fast as the instances answer, until
 * stopped: half reads of seeded or written accounts, a quarter changes, a quarter new accounts.
 * Each worker owns the accounts it writes (no two workers write one account), so the last
 * acknowledged write of each is known exactly and checked at the end. An instance is drained
 * before a deploy (no new request; those in flight are waited for) and put back once healthy,
 * as a load balancer would (README R9).
 */
export class Traffic {
  private readonly agent = new Agent({ keepAliveTimeout: 1_000, connections: 16 });
  private readonly inService: boolean[];
  private readonly inFlight: number[];
  private phase = '';
  private phaseStart = Date.now();
  private latencies: number[] = [];
  private phaseLost = 0;
  private readonly phases: PhaseStats[] = [];
  private readonly lost: Lost[] = [];
  private readonly wrong: Lost[] = [];
  private readonly written = new Map<number, Account>();
  /** Accounts a lost write left in a state nobody can know: neither read nor written again. */
  private readonly uncertain = new Set<number>();
  private writesPaused = false;
  /** Accounts `crossRead` has made so far: each gets an email of its own. */
  private crossed = 0;
  private writesInFlight = 0;
  private stopped = false;
  private workers: Promise<void>[] = [];
  private next = 0;

  constructor(
    private readonly urls: string[],
    private readonly seed: number,
    private readonly seededRows: number,
  ) {
    this.inService = urls.map(() => true);
    this.inFlight = urls.map(() => 0);
  }

  start(phase: string): void {
    this.phase = phase;
    this.phaseStart = Date.now();
    const n = this.urls.length * WORKERS_PER_INSTANCE;
    this.workers = Array.from({ length: n }, (_, w) => this.work(w, n));
  }

  /** Name the traffic from now on (its numbers are kept per phase). */
  enter(phase: string): void {
    this.closePhase();
    this.phase = phase;
  }

  /** Stop sending to instance `i` and wait for its requests in flight. */
  async drain(i: number): Promise<void> {
    this.inService[i] = false;
    while (this.inFlight[i]! > 0) await sleep(10);
  }

  /** Send to instance `i` again. */
  restore(i: number): void {
    this.inService[i] = true;
  }

  /**
   * Reads only, until `resumeWrites`, once the writes in flight are answered: a step run twice
   * must change nothing on its own.
   */
  async pauseWrites(): Promise<void> {
    this.writesPaused = true;
    while (this.writesInFlight > 0) await sleep(10);
  }
  resumeWrites(): void {
    this.writesPaused = false;
  }

  /**
   * `n` accounts each way between instances `x` and `y`, written on one and read back at once on
   * the other (README R3, R8): mid-deploy they run different versions, and a change one version
   * makes that the other cannot read shows here for certain. Left to the traffic's own reads, it
   * showed only when a read happened to meet such an account: a version 2 whose changes never
   * reached `name` kept every point on three seeds of five.
   */
  async crossRead(x: number, y: number, n: number): Promise<void> {
    for (let j = 0; j < n; j++)
      for (const [writer, reader] of [
        [x, y],
        [y, x],
      ] as const) {
        const email = `x${this.seed}-${this.crossed++}@example.test`;
        const made = await this.send(reader, 'POST', '/accounts', {
          email,
          first_name: 'Sam',
          last_name: "O'Hara",
        });
        if (!made || made.failed) continue;
        const id = (made.json as Account | null)?.id;
        if (made.status !== 201 || typeof id !== 'number') {
          this.wrongOne(
            reader,
            `POST /accounts ${JSON.stringify({ email })}`,
            `${made.status} ${JSON.stringify(made.json).slice(0, 200)}`,
          );
          continue;
        }
        const change = { last_name: `Kim-${'ABCDEFGHIJKLMNOP'[j % 16]}` };
        const patched = await this.send(writer, 'PATCH', `/accounts/${id}`, change);
        if (!patched || patched.failed) {
          this.uncertain.add(id);
          continue;
        }
        const names = { first_name: 'Sam', last_name: change.last_name };
        const want: Account = { id, email, ...names, name: fullName(names) };
        this.written.set(id, want);
        const got = await this.send(reader, 'GET', `/accounts/${id}`);
        if (!got) continue;
        if (got.status !== 200 || !sameNames(got.json as Account, want))
          this.wrongOne(
            reader,
            `GET /accounts/${id}, just after PATCH /accounts/${id} ${JSON.stringify(change)} on instance ${'ab'[writer]}`,
            `${got.status} ${JSON.stringify(got.json).slice(0, 200)}; expected ${JSON.stringify(want)}`,
          );
      }
  }

  async stop(): Promise<TrafficReport> {
    this.stopped = true;
    await Promise.all(this.workers);
    this.closePhase();
    await this.agent.close();
    return {
      phases: this.phases,
      lost: this.lost,
      wrong: this.wrong,
      written: this.written,
      uncertain: [...this.uncertain],
    };
  }

  private closePhase(): void {
    const ms = Date.now() - this.phaseStart;
    const sorted = this.latencies.sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    this.phases.push({
      phase: this.phase,
      requests: sorted.length,
      lost: this.phaseLost,
      ms,
      rps: ms > 0 ? (sorted.length * 1000) / ms : 0,
      p50: q(0.5),
      p99: q(0.99),
    });
    this.latencies = [];
    this.phaseLost = 0;
    this.phaseStart = Date.now();
  }

  /** The next instance in service, round robin; null while none is. */
  private pick(): number | null {
    for (let k = 0; k < this.urls.length; k++) {
      const i = this.next++ % this.urls.length;
      if (this.inService[i]) return i;
    }
    return null;
  }

  private async work(w: number, workers: number): Promise<void> {
    // Worker w reads seeded accounts of its own stride and writes only accounts it created or
    // seeded ones ≡ w (mod workers) above UNTOUCHED_BELOW.
    let k = 0;
    const mine: number[] = [];
    while (!this.stopped) {
      const i = this.pick();
      if (i === null) {
        await sleep(5);
        continue;
      }
      k++;
      const roll = (k * 7 + w * 13) % 4;
      if (this.writesPaused || roll < 2) {
        await this.read(i, w, workers, k, mine);
        continue;
      }
      this.writesInFlight++;
      try {
        if (roll === 2) await this.change(i, w, workers, k, mine);
        else await this.create(i, w, k, mine);
      } finally {
        this.writesInFlight--;
      }
    }
  }

  private async send(
    i: number,
    method: 'GET' | 'POST' | 'PATCH',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown; failed?: true } | null> {
    this.inFlight[i]!++;
    const t = performance.now();
    const sent = `${method} ${path}${body ? ` ${JSON.stringify(body)}` : ''}`;
    try {
      const res = await request(`${this.urls[i]}${path}`, {
        method,
        dispatcher: this.agent,
        headersTimeout: ANSWER_MS,
        bodyTimeout: ANSWER_MS,
        ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
      });
      const text = await res.body.text();
      const ms = performance.now() - t;
      this.latencies.push(ms);
      if (res.statusCode >= 500) {
        // Lost (R9), and for a read also a wrong answer (R3: each version must work throughout).
        this.loseOne(i, sent, `${res.statusCode} ${text.slice(0, 200)}`);
        return { status: res.statusCode, json: text.slice(0, 200), failed: true };
      }
      if (ms > ANSWER_MS) {
        this.loseOne(i, sent, `an answer after ${Math.round(ms)} ms`);
        return null;
      }
      return { status: res.statusCode, json: text ? JSON.parse(text) : null };
    } catch (e) {
      this.latencies.push(performance.now() - t);
      this.loseOne(i, sent, (e as Error).message);
      return null;
    } finally {
      this.inFlight[i]!--;
    }
  }

  private loseOne(i: number, sent: string, got: string): void {
    this.phaseLost++;
    this.keep(this.lost, i, sent, got);
  }

  private wrongOne(i: number, sent: string, got: string): void {
    this.keep(this.wrong, i, sent, got);
  }

  // Kept per phase: items judge phases apart (the rollback's alone), and a run's first losses,
  // in an earlier phase, would hide a later phase's.
  private keep(list: Lost[], i: number, sent: string, got: string): void {
    if (list.filter((l) => l.phase === this.phase).length < KEPT_PER_PHASE)
      list.push({ phase: this.phase, instance: 'ab'[i]!, sent, got });
  }

  private async read(i: number, w: number, workers: number, k: number, mine: number[]): Promise<void> {
    // Seeded accounts nobody writes, and this worker's own writes: both have a known answer.
    const own = mine.length > 0 && k % 3 === 0;
    const id = own
      ? mine[k % mine.length]!
      : 1 + (((k * workers + w) * 7919 + this.seed) % (UNTOUCHED_BELOW - 1));
    const want = own ? this.written.get(id)! : this.seeded(id);
    const got = await this.send(i, 'GET', `/accounts/${id}`);
    if (!got) return;
    const a = got.json as Account;
    if (got.status !== 200 || !sameNames(a, want))
      this.wrongOne(
        i,
        `GET /accounts/${id}`,
        `${got.status} ${JSON.stringify(got.json).slice(0, 200)}; expected ${JSON.stringify(want)}`,
      );
  }

  private seeded(id: number): Account {
    const n = seededNames(id, this.seed);
    return { id, email: seededEmail(id), ...n, name: fullName(n) };
  }

  private async change(i: number, w: number, workers: number, k: number, mine: number[]): Promise<void> {
    // A seeded account of this worker's (above the untouched ones), or one it created.
    const seededId =
      UNTOUCHED_BELOW +
      w +
      workers * ((k * 104_729) % Math.floor((this.seededRows - UNTOUCHED_BELOW) / workers));
    const id = mine.length > 0 && k % 2 === 0 ? mine[k % mine.length]! : seededId;
    if (this.uncertain.has(id)) return;
    const before = this.written.get(id) ?? this.seeded(id);
    // One name part at a time, as PATCH allows: the other must be kept.
    // Only changes R2 allows: a first name of two words keeps a last name, and an empty last name
    // goes with a first name of one word.
    const change =
      k % 2 === 0
        ? { first_name: k % 3 === 0 && before.last_name !== '' ? 'Rosa Maria' : 'Ines' }
        : {
            last_name:
              k % 5 === 0 && !before.first_name.includes(' ') ? '' : `Kim-${'ABCDEFGHIJKLMNOP'[w % 16]}`,
          };
    const got = await this.send(i, 'PATCH', `/accounts/${id}`, change);
    if (!got || got.failed) {
      // Lost: it may or may not have been applied, so this account has no known answer any more.
      this.written.delete(id);
      mine.splice(mine.indexOf(id) >>> 0, mine.includes(id) ? 1 : 0);
      this.uncertain.add(id);
      return;
    }
    const after = { ...before, ...change };
    const want = { ...after, name: fullName(after) };
    const a = got.json as Account;
    if (got.status !== 200 || !sameNames(a, want)) {
      this.wrongOne(
        i,
        `PATCH /accounts/${id} ${JSON.stringify(change)}`,
        `${got.status} ${JSON.stringify(got.json).slice(0, 200)}; expected ${JSON.stringify(want)}`,
      );
      return;
    }
    this.written.set(id, want);
    if (!mine.includes(id)) mine.push(id);
  }

  private async create(i: number, w: number, k: number, mine: number[]): Promise<void> {
    const n =
      k % 2
        ? { first_name: 'Noor Al', last_name: "O'Hara" }
        : { first_name: 'Sam', last_name: k % 7 === 0 ? '' : "O'Hara" };
    const email = `t${this.seed}-${w}-${k}@example.test`;
    const got = await this.send(i, 'POST', '/accounts', { email, ...n });
    if (!got || got.failed) return;
    const a = got.json as Account;
    if (
      got.status !== 201 ||
      a.first_name !== n.first_name ||
      a.last_name !== n.last_name ||
      typeof a.id !== 'number'
    ) {
      this.wrongOne(
        i,
        `POST /accounts ${JSON.stringify({ email, ...n })}`,
        `${got.status} ${JSON.stringify(got.json).slice(0, 200)}`,
      );
      return;
    }
    this.written.set(a.id, { id: a.id, email, ...n, name: fullName(n) });
    mine.push(a.id);
  }
}

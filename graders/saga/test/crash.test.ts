import { control, fail, grading, rubricTest } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import {
  callsTo,
  expectAccepted,
  expectEffects,
  expectFinal,
  goodOrder,
  keysPerStep,
  place,
} from './steps/orders.ts';

/** R9's 10 s for a dead instance's work, plus the same margin. */
const TAKEOVER_MS = 11_000;

rubricTest(
  rubric,
  'crash-recovery',
  async () => {
    // The charge is made but its answer never comes back; both instances are killed meanwhile.
    await control
      .stub('payment')
      .script({ rules: [{ method: 'POST', path: '/charges', respond: { model: true, drop: 'hang' } }] });
    const ids: string[] = [];
    for (let k = 0; k < 4; k++)
      ids.push(expectAccepted(await place(k % 2, goodOrder(`crash-${k}`), `crash-${k}`), 'a valid order'));
    if ((await callsTo('payment', 'POST', '/charges', 5_000)) === 0)
      throw new Error('no charge was attempted within 5 s: nothing in flight to crash (see happy-path)');
    for (const inst of grading().instances) await control.restart(inst.id, 'SIGKILL');
    await control.stub('payment').script({});
    for (const id of ids) {
      const { ex } = await expectFinal(
        0,
        id,
        'COMPLETED',
        15_000,
        'an order whose instance was killed during its charge (R8)',
      );
      await expectEffects(
        ex,
        id,
        'reserve, charge, ship',
        'an order recovered after SIGKILL (R8: nothing twice, nothing lost)',
      );
      for (const [step, keys] of await keysPerStep(id))
        if (keys.size !== 1) fail(ex, `one Idempotency-Key for ${step} before and after the crash (R8)`);
    }
  },
  { timeout: 60_000 },
);

rubricTest(
  rubric,
  'dead-instance-work-taken-over',
  async () => {
    const [a, b] = grading().instances;
    // Instance a alone takes the orders (b is down meanwhile), so it is a's work that is cut off.
    await control.stop(b!.id, 'SIGTERM');
    await control
      .stub('shipping')
      .script({ rules: [{ method: 'POST', path: '/shipments', respond: { hang: true } }] });
    const ids: string[] = [];
    for (let k = 0; k < 3; k++)
      ids.push(expectAccepted(await place(0, goodOrder(`dead-${k}`), `dead-${k}`), 'a valid order'));
    if ((await callsTo('shipping', 'POST', '/shipments', 5_000)) === 0)
      throw new Error('no shipment was attempted within 5 s: nothing in flight (see happy-path)');
    await control.start(b!.id);
    await control.stop(a!.id, 'SIGKILL');
    await control.stub('shipping').script({});
    for (const id of ids) {
      const { ex } = await expectFinal(
        1,
        id,
        'COMPLETED',
        TAKEOVER_MS,
        'an order of instance a, killed for good mid-saga, on instance b (R9: 10 s, and 1 s of margin)',
      );
      await expectEffects(ex, id, 'reserve, charge, ship', 'an order taken over from a dead instance');
    }
  },
  { timeout: 60_000 },
);

/**
 * Run `n` tasks with at most `width` in flight (keeps hundreds of requests bounded). Results come
 * back in index order. On failure no new task starts, the ones in flight settle, and the failure
 * of the lowest index is thrown: with a fixed seed, a failing run reports the same failure every
 * time, whichever concurrent request happened to fail first.
 */
export async function pool<T>(n: number, width: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  const failures = new Map<number, unknown>();
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n && failures.size === 0) {
        const i = next++;
        try {
          out[i] = await task(i);
        } catch (e) {
          failures.set(i, e);
        }
      }
    }),
  );
  if (failures.size) throw failures.get(Math.min(...failures.keys()));
  return out;
}

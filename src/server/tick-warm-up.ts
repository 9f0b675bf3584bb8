/**
 * Calls `process.nextTick` a few thousand times before anything else of the gateway loads, so that
 * V8 optimizes node's `nextTick` on this plain use.
 *
 * Node's `nextTick` builds each tick as an object literal with two symbol keys. Left to itself,
 * V8 optimized it during the gateway's start, and the code it made defined those keys through the
 * runtime on every call (`Runtime_DefineKeyedOwnPropertyInLiteral`, a map migration per tick):
 * ~20,000 instructions of a chat call's ~410,000 on the master key, 5%, counted with callgrind,
 * for the ~8 ticks node's HTTP server and streams schedule per call. Optimized here first, the
 * same code stores the keys inline, as it does in a bare node proxy. It costs ~1 ms at start, is
 * imported first by `main.ts` (ES modules run in import order), and changes nothing but speed.
 */
const WARM_UP_TICKS = 5_000;

const noop = (): void => {};
for (let i = 0; i < WARM_UP_TICKS; i++) process.nextTick(noop);
// The ticks run, and V8's optimizing compile (on a worker thread) can finish, before the next
// module of the gateway is evaluated.
await new Promise<void>((resolve) => setImmediate(resolve));

export {};

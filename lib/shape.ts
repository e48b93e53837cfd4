/**
 * Under Express every `req` and `res` has a hidden class (V8's "map") of its own: Express swaps their
 * prototypes, and with V8 (Node 20) an object whose prototype was swapped gets a new hidden class for
 * every property added to it afterwards, never one shared with the previous request. So every property
 * read on them, by this middleware, by Node while it reads the body and writes the answer, and by the
 * user's handler, misses V8's inline caches and looks the property up in the runtime (bench/README.md,
 * "What a property read costs").
 *
 * Adding two properties and deleting the first, which is not the last one added, puts an object in
 * dictionary mode. V8 shares dictionary-mode hidden classes between objects of the same prototype, so
 * from then on those reads hit the caches again. The two properties are this module's own symbols, gone
 * when it returns: no key, value or order a user can see changes.
 *
 * V8 keeps those shared classes in a small cache indexed by a hash of the prototype. In 1 of 56 processes
 * checked (V8's `%HaveSameMap` on consecutive requests), no request shared a class, presumably because the
 * request's and the response's entries fell on one slot and evicted each other; such a process runs about
 * as it would without the step (a counted run that looked like that case: 556,000 instructions a request,
 * against 570,000 without the step). Nothing here can choose the slot.
 *
 * Measured with `node bench/instructions.mjs`: 585,200 → 426,600 instructions a request for (3) under
 * Express, req and res each worth about half. An object that still has Node's own prototype (a plain
 * `node:http` server, or the middleware served before Express) keeps its fast shape: its hidden classes
 * are shared already, and the change would cost it a third more.
 */
const FIRST = Symbol('innopaas-webhook.shape.first');
const SECOND = Symbol('innopaas-webhook.shape.second');

/** Gives `target` a hidden class shared with its peers (see above), unless its prototype is `stock`. */
export function shareShape(target: object, stock: object): void {
  if (Object.getPrototypeOf(target) === stock) return;
  const bag = target as Record<symbol, unknown>;
  try {
    bag[FIRST] = undefined;
    bag[SECOND] = undefined;
  } catch {
    // Not extensible (a frozen test double, say): it keeps its shape.
  }
  try {
    delete bag[FIRST];
    delete bag[SECOND];
  } catch {
    // A proxy whose deleteProperty trap throws: nothing to undo that it would let us undo.
  }
}

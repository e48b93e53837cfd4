/**
 * Under Express every `req` and `res` has a hidden class (V8's "map") of its own: Express swaps their
 * prototypes, and with V8 (Node 20) an object whose prototype was swapped gets a new hidden class for
 * every property added to it afterwards, never one shared with the previous request. So every property
 * read on them, by this middleware, by Node while it reads the body and writes the answer, and by the
 * user's handler, misses V8's inline caches and looks the property up in the runtime (bench/README.md,
 * "What a property read costs").
 *
 * Changing a property's attributes puts such an object in dictionary mode: V8 reconfigures a property of
 * a fast object through the class with the new attributes in its transition tree, and a class made for an
 * object whose prototype was swapped is not linked into the tree, so V8 normalizes the object instead
 * (seen with `%HasFastProperties`, __tests__/performance-shape.test.ts). V8 shares dictionary-mode hidden
 * classes between objects of the same prototype, so from then on those reads hit the caches again. The
 * step makes `_events`, which every event emitter has of its own, non-enumerable and enumerable again (or
 * the reverse): the second change is made in place, so the key keeps its place and its attributes, and no
 * key, value or order a user can see changes. An object without such a property gets a symbol of this
 * module's own added and deleted instead, which also normalizes it (V8 can only undo the last addition to
 * a class linked into the tree) at the cost of one class more on the way.
 *
 * V8 keeps those shared classes in a small cache indexed by a hash of the prototype. In 1 of 56 processes
 * checked (V8's `%HaveSameMap` on consecutive requests), no request shared a class, presumably because the
 * request's and the response's entries fell on one slot and evicted each other; such a process runs about
 * as it would without the step (a counted run that looked like that case: 556,000 instructions a request,
 * against 570,000 without the step). Nothing here can choose the slot.
 *
 * Measured with `node bench/instructions.mjs`, (3) under Express: 585,200 instructions a request without the
 * step; 426,600 with the first version (two symbols added, the first deleted); 388,100 with one symbol
 * (each addition to a class outside the tree copies the object's whole descriptor array and makes a class
 * in the old generation); 353,200 reconfiguring `_events`, which makes none. An object that still has
 * Node's own prototype (a plain `node:http` server, or the middleware served before Express) is left
 * alone: its hidden classes are shared already (dictionary mode cost it a third more, 133,500 → 179,300,
 * with the first version).
 */
const MARK = Symbol('innopaas-webhook.shape');
/** Every `req` and `res` is an event emitter, whose constructor gives it this own data property. */
const EMITTER_KEY = '_events';
const HIDE: PropertyDescriptor = Object.freeze({ enumerable: false });
const SHOW: PropertyDescriptor = Object.freeze({ enumerable: true });
const { hasOwnProperty, propertyIsEnumerable } = Object.prototype;

/** Gives `target` a hidden class shared with its peers (see above), unless its prototype is `stock`. */
export function shareShape(target: object, stock: object): void {
  if (Object.getPrototypeOf(target) === stock) return;
  if (flipAndRestore(target)) return;
  const bag = target as Record<symbol, unknown>;
  try {
    bag[MARK] = undefined;
  } catch {
    // Not extensible (a frozen test double, say): it keeps its shape.
    return;
  }
  try {
    delete bag[MARK];
  } catch {
    // A proxy whose deleteProperty trap throws: nothing to undo that it would let us undo.
  }
}

/**
 * Changes whether `_events` is enumerable and changes it back. The first change normalizes the object
 * without making a hidden class on the way (above); the second is made in place, in dictionary mode, and
 * keeps the key's place. False, with nothing changed, when the object has no such property of its own or
 * it cannot be reconfigured.
 */
function flipAndRestore(target: object): boolean {
  try {
    if (!hasOwnProperty.call(target, EMITTER_KEY)) return false;
    const shown = propertyIsEnumerable.call(target, EMITTER_KEY);
    Object.defineProperty(target, EMITTER_KEY, shown ? HIDE : SHOW);
    Object.defineProperty(target, EMITTER_KEY, shown ? SHOW : HIDE);
    return true;
  } catch {
    return false;
  }
}

/**
 * Shared variables: terms that own a value between calls (model parameters), as in Theano. The value lives on
 * the variable; backends that keep a copy elsewhere (a GPU buffer) watch `version` to know when it changed.
 * @module
 */
import type { DType } from "./dtype.ts";
import { array, NDArray, type NestedArray } from "./ndarray.ts";
import { formatShape, ShapeError } from "./shape.ts";
import { checkName } from "./_identifier.ts";
import { type AnyAttrs, setSharedFactory, Term } from "./term.ts";
import type { OpName } from "./ops/names.ts";
import type { OpAttrs, SharedSlot, TermType } from "./ops/types.ts";

let nextSlot = 0;

/** The mutable part of a shared variable, kept in its `slot` attribute. */
interface SharedState extends SharedSlot {
  value: NDArray;
  version: number;
  /** Reads the current value from where a backend keeps it; set by `setDeferred`, consumed by `get`. */
  pending?: () => NDArray;
}

/**
 * A variable that owns a value between calls. Use it in terms like any variable; read it with `get()` and
 * replace it with `set()`, or let a compiled function's `updates` change it.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const w = T.shared(T.array([1, 2, 3]), "w");
 * w.get().toArray(); // [1, 2, 3]
 * w.set([4, 5, 6]);
 * ```
 */
export class SharedVariable extends Term {
  /** The current value. */
  get(): NDArray {
    const state = this.state;
    if (state.pending) {
      state.value = state.pending();
      state.pending = undefined;
    }
    return state.value;
  }

  /**
   * For backends that keep the new value in their own memory after an update: records how to read it, so the
   * copy out happens only if someone calls `get()` (training loops rarely do). `read` must stay valid until
   * the next `set` or `setDeferred` of this variable; it must return an array of the variable's dtype and shape.
   *
   * @example
   * ```ts
   * import * as T from "../mod.ts";
   * const w = T.shared(T.zeros([2]), "w");
   * w.setDeferred(() => T.ones([2]));
   * w.get().toArray(); // [1, 1]
   * ```
   */
  setDeferred(read: () => NDArray): void {
    const state = this.state;
    state.pending = read;
    state.version++;
  }

  /** Replaces the value; it must have the variable's shape (dtypes are converted, as NumPy's assignment does). */
  set(value: NDArray | NestedArray | ArrayLike<number>): void {
    const state = this.state;
    const next = value instanceof NDArray
      ? (value.dtype === state.dtype ? value : value.astype(state.dtype))
      : array(value as NestedArray, { dtype: state.dtype, shape: state.value.shape });
    if (
      next.shape.length !== state.value.shape.length || next.shape.some((d, i) => d !== state.value.shape[i])
    ) {
      throw new ShapeError(
        `shared ${state.name}.set: expected shape ${formatShape(state.value.shape)}, got ${
          formatShape(next.shape)
        }`,
      );
    }
    state.value = next;
    state.pending = undefined;
    state.version++;
  }

  /** Increases whenever the value is replaced (backends use it to refresh device copies). */
  get version(): number {
    return this.state.version;
  }

  /** The variable's name. */
  get name(): string {
    return this.state.name;
  }

  /** The mutable state behind this variable (kept in its `slot` attribute). */
  private get state(): SharedState {
    return (this.attrs as OpAttrs["shared"]).slot as SharedState;
  }
}

setSharedFactory((op: OpName, args: readonly Term[], attrs: AnyAttrs, type: TermType, key: string) =>
  // the constructor is protected in Term; this factory is the one place allowed to call it for shared variables
  new (SharedVariable as unknown as new (...a: unknown[]) => SharedVariable)(op, args, attrs, type, key)
);

/**
 * A shared variable holding `value` (copied), named `name` for printing.
 *
 * @example
 * ```ts
 * import * as T from "../mod.ts";
 * const b = T.shared(T.zeros([10]), "b");
 * b.shape; // [10]
 * ```
 */
export function shared(value: NDArray | NestedArray, name?: string, dtype?: DType): SharedVariable {
  const id = nextSlot++;
  const initial = value instanceof NDArray
    ? (dtype && dtype !== value.dtype ? value.astype(dtype) : value)
    : array(value, { dtype });
  const copy = new NDArray(initial.data.slice(), initial.shape);
  const state: SharedState = {
    id,
    name: checkName(name ?? `shared${id}`),
    dtype: copy.dtype,
    shape: copy.shape,
    value: copy,
    version: 0,
  };
  return Term.make("shared", [], { slot: state }) as SharedVariable;
}

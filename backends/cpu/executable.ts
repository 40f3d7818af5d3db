/**
 * Compiled CPU programs: a plan of kernels per graph, specialized per signature of input shapes, cached by graph
 * structure (terms are hash-consed, so term ids identify a graph) so compiling the same graph again is instant.
 * @module
 */
import type { NDArray } from "../../cas/ndarray.ts";
import type { OpAttrs } from "../../cas/ops/types.ts";
import type { Term } from "../../cas/term.ts";
import type { Executable, GraphPlan } from "../backend.ts";
import { Instance, type ProgramContext } from "./instance.ts";
import { type Plan, planKernels } from "./plan.ts";
import { sharedArena, type WasmArena } from "./wasm/memory.ts";
import { type WasmMode, wasmMode } from "./wasm_bridge.ts";

/** How many input-shape signatures one program keeps specialized (older ones are freed). */
const MAX_SIGNATURES = 8;
/** How many programs the structural cache keeps. */
const MAX_PROGRAMS = 64;

/** Arena blocks a program owns, freed when the program is garbage-collected. */
interface Owned {
  readonly arena: WasmArena;
  readonly pointers: Set<number>;
}

const release = new FinalizationRegistry<Owned>(({ arena, pointers }) => {
  for (const ptr of pointers) arena.free(ptr);
});

/** A graph compiled for the CPU: its plan and its specializations. */
class Program implements ProgramContext {
  readonly plan: Plan;
  readonly arena: WasmArena = sharedArena();
  readonly wasm: WasmMode = wasmMode();
  private readonly constants = new Map<Term, number>();
  private readonly instances = new Map<string, Instance>();
  private readonly owned: Owned = { arena: this.arena, pointers: new Set() };
  /** The instance of the latest call, with the input shapes and borrowing mode it serves. */
  private last?: { instance: Instance; shapes: readonly (readonly number[])[]; inArena: boolean };

  constructor(readonly graph: GraphPlan) {
    this.plan = planKernels(graph.inputs, graph.roots);
    release.register(this, this.owned);
  }

  constPointer(t: Term): number {
    let ptr = this.constants.get(t);
    if (ptr === undefined) {
      const value = (t.attrs as OpAttrs["const"]).value;
      ptr = this.arena.allocCopy(value.data);
      this.constants.set(t, ptr);
      this.owned.pointers.add(ptr);
    }
    return ptr;
  }

  run(inputs: readonly NDArray[], borrow: boolean): NDArray[] {
    // borrowing calls keep their outputs in the arena where views of it survive growth (a shared memory)
    const inArena = borrow && this.arena.shared;
    // a training loop calls with the same shapes every time: the last instance, without building its key
    const last = this.last;
    if (last !== undefined && last.inArena === inArena && sameShapes(last.shapes, inputs)) {
      return last.instance.run(inputs, borrow);
    }
    const key = inputs.map((a) => a.shape.join(",")).join(";") + (inArena ? "|borrowed" : "");
    let instance = this.instances.get(key);
    if (instance) {
      // most recently used last, so the first entry is the one to evict
      this.instances.delete(key);
    } else {
      instance = new Instance(this, inputs.map((a) => a.shape), inArena);
      if (this.instances.size >= MAX_SIGNATURES) {
        const [oldestKey, oldest] = this.instances.entries().next().value!;
        this.instances.delete(oldestKey);
        this.forget(oldest);
      }
    }
    this.instances.set(key, instance);
    if (instance.pointer !== 0) this.owned.pointers.add(instance.pointer);
    this.last = { instance, shapes: inputs.map((a) => a.shape), inArena };
    return instance.run(inputs, borrow);
  }

  private forget(instance: Instance): void {
    if (this.last?.instance === instance) this.last = undefined;
    this.owned.pointers.delete(instance.pointer);
    instance.dispose();
  }
}

/** True when every input has the shape at the same position of `shapes`. */
function sameShapes(shapes: readonly (readonly number[])[], inputs: readonly NDArray[]): boolean {
  if (shapes.length !== inputs.length) return false;
  for (let i = 0; i < shapes.length; i++) {
    const a = shapes[i], b = inputs[i].shape;
    if (a.length !== b.length) return false;
    for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  }
  return true;
}

const programs = new Map<string, Program>();

/** Options of `compileCpu`. */
export interface CpuOptions {
  /**
   * Reuse the output arrays from call to call instead of returning fresh ones (Theano's `borrow=True`): each
   * result is valid until the next call. Saves allocating (and the OS zeroing) fresh memory for big outputs.
   */
  readonly borrowOutputs?: boolean;
}

/** The structural key of a graph plan: ids of its inputs, roots and updated variables. */
function graphKey(graph: GraphPlan): string {
  const ids = (ts: readonly Term[]) => ts.map((t) => t.id).join(",");
  const mode = wasmMode();
  return `${ids(graph.inputs)}|${ids(graph.roots)}|${graph.outputCount}|${ids(graph.updated)}|${mode}`;
}

/**
 * Compiles a graph plan for the CPU. Planning happens now; code generation and memory planning happen on the
 * first call with each signature of input shapes. Update values are written back by the executable itself.
 *
 * @example
 * ```ts
 * import * as T from "../../cas/api.ts";
 * import { array } from "../../cas/ndarray.ts";
 * import { compileCpu } from "./executable.ts";
 * const x = T.vector("x");
 * const exe = compileCpu({ inputs: [x], roots: [T.mul(x, 2)], outputCount: 1, updated: [] });
 * const [y] = await exe.run([array([1, 2, 3])]);
 * y.toArray(); // [2, 4, 6]
 * ```
 */
export function compileCpu(graph: GraphPlan, options: CpuOptions = {}): Executable {
  const key = graphKey(graph);
  let program = programs.get(key);
  if (program) {
    programs.delete(key);
  } else {
    program = new Program(graph);
    if (programs.size >= MAX_PROGRAMS) programs.delete(programs.keys().next().value!);
  }
  programs.set(key, program);
  const compiled = program;
  const borrow = options.borrowOutputs ?? false;
  return {
    run: (inputs) => {
      try {
        return Promise.resolve(compiled.run(inputs, borrow));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    appliesUpdates: true,
  };
}

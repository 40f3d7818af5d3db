/**
 * The op table: every op's row, gathered into one record typed over `OpName`, so adding a name without a row
 * (or a row without a name) is a compile error.
 * @module
 */
import { BINARY_ROWS, CAST_ROW, UNARY_ROWS, WHERE_ROW } from "./elementwise.ts";
import { CONST_ROW, SHARED_ROW, VAR_ROW } from "./leaves.ts";
import { MATMUL_ROW } from "./linalg.ts";
import { LOG_SOFTMAX_ROW, SOFTMAX_ROW, STOP_GRADIENT_ROW } from "./nn.ts";
import { COUNT_ROW, REDUCE_ROWS } from "./reduce.ts";
import {
  BROADCAST_TO_ROW,
  CONCATENATE_ROW,
  INDEX_ROW,
  RESHAPE_ROW,
  SLICE_ROW,
  TRANSPOSE_ROW,
} from "./structure.ts";
import type { OpName } from "./names.ts";
import type { OpRow, OpTable } from "./types.ts";

/** Every op's row. */
export const OPS: OpTable = {
  const: CONST_ROW,
  var: VAR_ROW,
  shared: SHARED_ROW,
  ...UNARY_ROWS,
  ...BINARY_ROWS,
  where: WHERE_ROW,
  cast: CAST_ROW,
  ...REDUCE_ROWS,
  count: COUNT_ROW,
  matmul: MATMUL_ROW,
  transpose: TRANSPOSE_ROW,
  reshape: RESHAPE_ROW,
  broadcastTo: BROADCAST_TO_ROW,
  concatenate: CONCATENATE_ROW,
  index: INDEX_ROW,
  slice: SLICE_ROW,
  softmax: SOFTMAX_ROW,
  logSoftmax: LOG_SOFTMAX_ROW,
  stopGradient: STOP_GRADIENT_ROW,
};

/** The row of `op`, typed loosely for code that handles ops generically (the interpreter, the e-graph). */
export function rowOf(op: OpName): OpRow<OpName> {
  return OPS[op] as unknown as OpRow<OpName>;
}

/** True when `name` is an op of the table (for input coming from outside, e.g. rule files). */
export function isOpName(name: string): name is OpName {
  return Object.hasOwn(OPS, name);
}

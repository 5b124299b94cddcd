/**
 * Gathering a minibatch: the rows of a dataset listed by index, copied one after another into
 * the step's minibatch buffer (lib/fast/step_workspace.ts), so that a training step's input is
 * assembled without leaving WebAssembly memory:
 *
 *     out[k·cols + j] = src[rows[k]·cols + j],   k < n, j < cols
 *
 * A copy, no arithmetic: the same bits as the TypeScript reference (gatherRowsJs in
 * lib/kernels/js.ts) on either number type, so one function serves both, taking the row's
 * length in bytes. The dataset is already in the model's number type (converted once, when
 * the workspace made its resident copy), which is what made the JavaScript gather slow: it
 * converted float64 rows into float32 memory element by element, every step (~170 µs for
 * 128×784 values, see Matrix.selectRows). The glue checks every index against the dataset's
 * rows before the call: nothing here reads outside it.
 */
export function gatherRows(n: i32, rowBytes: i32, src: usize, rows: usize, out: usize): void {
  const bytes = <usize>rowBytes;
  for (let k = 0; k < n; k++) {
    const i = <usize>load<i32>(rows + (<usize>k << 2));
    memory.copy(out + <usize>k * bytes, src + i * bytes, bytes);
  }
}

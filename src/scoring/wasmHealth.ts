// Whether this thread's parquet-wasm may still be used. A panic inside it ("unreachable") arrives as
// a catchable WebAssembly.RuntimeError, but leaves its memory in an unknown state (after enough of
// them every later call fails, even on good files). After the first, the thread reads and writes
// with DuckDB until the worker restarts.
let broken = false;

export function wasmUsable(): boolean {
  return !broken;
}

/** Call with any error a parquet-wasm call threw; rethrow it afterwards. */
export function noteWasmError(err: unknown): void {
  if (err instanceof WebAssembly.RuntimeError) broken = true;
}

// The Arrow IPC stream a table or a batch of checked columns was decoded from, kept beside it so that
// the next step can pass the bytes on instead of encoding the same data again: a batch read by
// parquet-wasm goes to a Python model as it is; a Python model's answer goes to the parquet writer.
// On globalThis: a model module loaded through tsx's namespaced import has its own copy of this file.
const KEY = Symbol.for('batch-inference.encodedIpc');
const encoded = ((globalThis as Record<symbol, WeakMap<object, Uint8Array> | undefined>)[KEY] ??= new WeakMap());

export function rememberIpc(decoded: object, ipc: Uint8Array): void {
  encoded.set(decoded, ipc);
}

/** The IPC stream `decoded` came from, or undefined when it was built otherwise. */
export function encodedIpc(decoded: object): Uint8Array | undefined {
  return encoded.get(decoded);
}

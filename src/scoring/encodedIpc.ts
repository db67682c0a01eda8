// The Arrow IPC stream a batch read by parquet-wasm was decoded from, kept beside it so that a Python
// model is sent those bytes instead of the same data encoded again. Only for what we read: a model's
// answer is always written from its checked columns, never from its own bytes.
const encoded = new WeakMap<object, Uint8Array>();

export function rememberIpc(decoded: object, ipc: Uint8Array): void {
  encoded.set(decoded, ipc);
}

/** The IPC stream `decoded` came from, or undefined when it was built otherwise. */
export function encodedIpc(decoded: object): Uint8Array | undefined {
  return encoded.get(decoded);
}

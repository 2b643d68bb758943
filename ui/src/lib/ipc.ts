// The one call into Rust. Only the generated wrappers (commands.ts) use it.
import { invoke } from '@tauri-apps/api/core';
import type { IpcError } from './bindings';

/** Every command rejects with an IpcError; anything else is wrapped as one. */
export async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isIpcError(e)) throw e;
    const err: IpcError = { code: 'io', message: String(e), field: null, fields: [], diagnosis: null };
    throw err;
  }
}

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

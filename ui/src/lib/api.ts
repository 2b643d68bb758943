// What components call: the generated wrappers of the app's commands
// (commands.ts, from the Rust signatures), with callbacks where a command
// reports progress over a channel. Components never call `invoke`.
import { Channel } from '@tauri-apps/api/core';
import type { ConnectProgress, IpcError, TestStep } from './bindings';
import { commands } from './commands';

export type { IpcError };
export { isIpcError } from './ipc';

function channel<T>(onMessage: (m: T) => void): Channel<T> {
  const ch = new Channel<T>();
  ch.onmessage = onMessage;
  return ch;
}

export const api = {
  ...commands,
  connectBrowser: (id: number, progress: (p: ConnectProgress) => void) =>
    commands.connectBrowser(id, channel(progress)),
  connectDevice: (id: number, progress: (p: ConnectProgress) => void) =>
    commands.connectDevice(id, channel(progress)),
  registrationSignIn: (id: number, progress: (p: ConnectProgress) => void) =>
    commands.registrationSignIn(id, channel(progress)),
  registrationApply: (id: number, progress: (title: string) => void) =>
    commands.registrationApply(id, channel(progress)),
  sendTest: (id: number, to: string | null, step: (s: TestStep) => void, force = false) =>
    commands.sendTest(id, to, force, channel(step)),
  checkInbound: (id: number, step: (s: TestStep) => void) => commands.checkInbound(id, channel(step)),
  applyPortalRow: (id: number, text: string, dayFirst: boolean | null = null) =>
    commands.applyPortalRow(id, text, dayFirst),
  parsePortalRow: (text: string, dayFirst: boolean | null = null) => commands.parsePortalRowText(text, dayFirst),
};

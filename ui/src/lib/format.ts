// Small display helpers shared by the components.
import type { AuthMethod, ExpiryBadge, Provider, StepId } from './bindings';

export function expiryText(b: ExpiryBadge): string {
  if (b.state === 'expired') {
    const ago = -b.daysLeft;
    return ago === 1 ? 'Secret expired yesterday' : `Secret expired ${ago} days ago`;
  }
  if (b.daysLeft === 0) return 'Secret expires today';
  return b.daysLeft === 1 ? 'Secret expires tomorrow' : `Secret expires in ${b.daysLeft} days`;
}

export function expiryShort(b: ExpiryBadge): string {
  return b.state === 'expired' ? 'expired' : `${b.daysLeft} d`;
}

const providerShort: Record<string, string> = {
  microsoft365: 'Microsoft 365',
  outlook: 'Outlook.com',
  google: 'Google',
  custom: 'Custom',
};

const authShort: Record<string, string> = {
  'auth-code': 'Browser sign-in',
  'refresh-token': 'Refresh token',
  'client-credentials': 'App-only',
  'device-code': 'Device code',
  password: 'Password (ROPC)',
  basic: 'Password',
};

export function providerName(p: { provider: Provider }): string {
  return providerShort[p.provider] ?? p.provider;
}

export function authName(p: { authMethod: AuthMethod }): string {
  return authShort[p.authMethod] ?? p.authMethod;
}

/** Where the editor opens a saved profile: an attention action's section, or
 *  a setup step (after a save, the step the person was going to). */
export type EditorFocus = 'rotate' | 'secrets' | 'connection' | 'tests' | StepId;

/** What the editor pane is showing. */
export type EditorMode = { kind: 'new' } | { kind: 'edit'; id: number; focus?: EditorFocus };

/** "in 3 days", "today", "2 days ago". */
export function daysText(n: number): string {
  if (n === 0) return 'today';
  if (n === 1) return 'tomorrow';
  if (n === -1) return 'yesterday';
  return n < 0 ? `${-n} days ago` : `in ${n} days`;
}

/** One date format throughout, as the core writes dates: YYYY-MM-DD (local). */
export function isoDate(at: string | number | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** A moment, local: YYYY-MM-DD HH:MM. */
export function isoDateTime(at: string | number | Date): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${isoDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

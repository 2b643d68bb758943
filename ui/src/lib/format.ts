// Small display helpers shared by the components.
import type { ChoiceOption, Diagnosis, ExpiryBadge, Fix, StepId } from './bindings';

export function expiryShort(b: ExpiryBadge): string {
  return b.state === 'expired' ? 'Expired' : `${b.daysLeft.toLocaleString('en')} d`;
}

/** A choice's short label, as the core's catalogue words it (the value
 *  itself until the catalogue has arrived). */
export function shortLabel<T>(options: ChoiceOption<T>[] | undefined, value: T): string {
  return options?.find((o) => o.value === value)?.short ?? String(value);
}

/** Where the editor opens a saved profile: an attention action's section, or
 *  a setup step (after a save, the step the person was going to). */
export type EditorFocus = 'rotate' | 'secrets' | 'connection' | 'tests' | StepId;

/** What the editor pane is showing. */
export type EditorMode = { kind: 'new' } | { kind: 'edit'; id: number; focus?: EditorFocus };

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

/** A size in bytes as a person reads it: 812 bytes, 2.0 KB, 14.3 MB. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The fixes a view can make, by name (a diagnosis's buttons). */
export type Fixes = Partial<Record<Fix, () => void>>;

/** The fixes of `d` this view can make, in the core's order: shown as
 *  buttons, the first the view's one primary action. */
export function offeredFixes(d: Diagnosis | null, fixes: Fixes): Fix[] {
  return d ? d.fixes.filter((f) => fixes[f]) : [];
}

/** Where the relay pane opens. */
export type RelayTab = 'queue' | 'devices' | 'settings';

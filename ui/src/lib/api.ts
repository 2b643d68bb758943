// Typed wrappers over the app's commands. Components call these, never `invoke`.
import { invoke } from '@tauri-apps/api/core';
import type {
  AppStatus,
  Catalog,
  Choices,
  IpcError,
  ProfileDraft,
  ProfileList,
  ProfileQuery,
  ProfileView,
} from './bindings';

export type { IpcError };

/** Every command rejects with an IpcError; anything else is wrapped as one. */
async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (isIpcError(e)) throw e;
    const err: IpcError = { code: 'io', message: String(e), field: null, fields: [] };
    throw err;
  }
}

export function isIpcError(e: unknown): e is IpcError {
  return typeof e === 'object' && e !== null && 'code' in e && 'message' in e;
}

export const api = {
  appStatus: () => call<AppStatus>('app_status'),
  catalog: () => call<Catalog>('catalog'),
  listProfiles: (query: ProfileQuery) => call<ProfileList>('list_profiles', { query }),
  getProfile: (id: number) => call<ProfileView>('get_profile', { id }),
  newDraft: (choices: Choices) => call<ProfileDraft>('new_draft', { choices }),
  editDraft: (id: number) => call<ProfileDraft>('edit_draft', { id }),
  rebaseDraft: (draft: ProfileDraft, choices: Choices) =>
    call<ProfileDraft>('rebase_draft', { draft, choices }),
  saveProfile: (id: number | null, draft: ProfileDraft) =>
    call<ProfileView>('save_profile', { id, draft }),
  deleteProfile: (id: number) => call<null>('delete_profile', { id }),
  duplicateProfile: (id: number) => call<ProfileView>('duplicate_profile', { id }),
  setUnsaved: (dirty: boolean) => call<null>('set_unsaved', { dirty }),
};

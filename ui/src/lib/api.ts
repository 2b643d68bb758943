// Typed wrappers over the app's commands. Components call these, never `invoke`.
import { Channel, invoke } from '@tauri-apps/api/core';
import type {
  Device,
  DeviceDraft,
  RelayView,
  AdminInfo,
  ApplyReport,
  Plan,
  RegistrationCheck,
  AppSecretsReport,
  AppStatus,
  AttentionItem,
  AuthReport,
  Catalog,
  Choices,
  ConnectProgress,
  FieldError,
  HandoverRecord,
  ImportPick,
  ImportReport,
  OnConflict,
  HandoverSummary,
  InboundReport,
  IpcError,
  KeyBackend,
  KeyInfo,
  NewSecret,
  PortalRow,
  Program,
  ProgramConfig,
  ProfileDraft,
  ProfileList,
  ProfileQuery,
  ProfileView,
  Reveal,
  RotateReport,
  RowApplied,
  SetupProgress,
  SecretRecord,
  SendReport,
  SettingsForm,
  SetupGuide,
  TestStep,
  TokenRecord,
} from './bindings';

export type { IpcError };

function channel<T>(onMessage: (m: T) => void): Channel<T> {
  const ch = new Channel<T>();
  ch.onmessage = onMessage;
  return ch;
}

/** Every command rejects with an IpcError; anything else is wrapped as one. */
async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
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

export const api = {
  appStatus: () => call<AppStatus>('app_status'),
  watchFailure: () => call<string | null>('watch_failure'),
  keyExport: () => call<string | null>('key_export'),
  keyImport: () => call<KeyInfo | null>('key_import'),
  keyMove: (to: KeyBackend) => call<KeyInfo>('key_move', { to }),
  catalog: () => call<Catalog>('catalog'),
  listProfiles: (query: ProfileQuery) => call<ProfileList>('list_profiles', { query }),
  getProfile: (id: number) => call<ProfileView>('get_profile', { id }),
  newDraft: (choices: Choices) => call<ProfileDraft>('new_draft', { choices }),
  editDraft: (id: number) => call<ProfileDraft>('edit_draft', { id }),
  rebaseDraft: (draft: ProfileDraft, choices: Choices) =>
    call<ProfileDraft>('rebase_draft', { draft, choices }),
  checkDraft: (id: number | null, draft: ProfileDraft) => call<FieldError[]>('check_draft', { id, draft }),
  saveProfile: (id: number | null, draft: ProfileDraft) =>
    call<ProfileView>('save_profile', { id, draft }),
  deleteProfile: (id: number) => call<null>('delete_profile', { id }),
  duplicateProfile: (id: number) => call<ProfileView>('duplicate_profile', { id }),
  setUnsaved: (dirty: boolean) => call<null>('set_unsaved', { dirty }),
  windowReady: () => call<null>('window_ready'),
  connection: (id: number) => call<TokenRecord | null>('connection', { id }),
  connectBrowser: (id: number, progress: (p: ConnectProgress) => void) =>
    call<TokenRecord>('connect_browser', { id, onProgress: channel(progress) }),
  connectDevice: (id: number, progress: (p: ConnectProgress) => void) =>
    call<TokenRecord>('connect_device', { id, onProgress: channel(progress) }),
  cancelConnect: (id: number) => call<null>('cancel_connect', { id }),
  canListen: (id: number) => call<boolean>('can_listen', { id }),
  manualStart: (id: number) => call<string>('manual_start', { id }),
  manualFinish: (id: number, pasted: string) => call<TokenRecord>('manual_finish', { id, pasted }),
  connectRefreshToken: (id: number, token: string) => call<TokenRecord>('connect_refresh_token', { id, token }),
  testAuth: (id: number) => call<AuthReport>('test_auth', { id }),
  disconnect: (id: number) => call<null>('disconnect', { id }),
  profileGuide: (id: number) => call<SetupGuide>('profile_guide', { id }),
  profileProgress: (id: number) => call<SetupProgress>('profile_progress', { id }),
  relayView: () => call<RelayView>('relay_view'),
  relayStart: () => call<RelayView>('relay_start'),
  relayStop: () => call<null>('relay_stop'),
  relayDeviceAdd: (draft: DeviceDraft) => call<Device>('relay_device_add', { draft }),
  relayDeviceReset: (name: string) => call<null>('relay_device_reset', { name }),
  relayDeviceRemove: (name: string) => call<null>('relay_device_remove', { name }),
  relayQueueRetry: (id: string) => call<null>('relay_queue_retry', { id }),
  relayQueueDelete: (id: string) => call<string>('relay_queue_delete', { id }),
  registrationCheck: (id: number) => call<RegistrationCheck>('registration_check', { id }),
  registrationSignIn: (id: number, progress: (p: ConnectProgress) => void) =>
    call<AdminInfo>('registration_sign_in', { id, onProgress: channel(progress) }),
  registrationAdmin: (id: number) => call<AdminInfo | null>('registration_admin', { id }),
  registrationSignOut: () => call<null>('registration_sign_out'),
  registrationPlan: (id: number) => call<Plan>('registration_plan', { id }),
  registrationApply: (id: number, progress: (title: string) => void) =>
    call<ApplyReport>('registration_apply', { id, onProgress: channel(progress) }),
  openGuideLink: (id: number, url: string) => call<null>('open_guide_link', { id, url }),
  copyText: (text: string) => call<null>('copy_text', { text }),
  handover: (id: number) => call<HandoverSummary>('handover', { id }),
  handoverCopySecret: (id: number, what: Reveal, keep: boolean) =>
    call<HandoverRecord>('handover_copy_secret', { id, what, keep }),
  programConfig: (id: number, program: Program) => call<ProgramConfig>('program_config', { id, program }),
  saveProgramConfig: (id: number, program: Program, file: number) =>
    call<string | null>('save_program_config', { id, program, file }),
  exportProfiles: (ids: number[], passphrase: string | null) =>
    call<string | null>('export_profiles', { ids, passphrase }),
  importPick: () => call<ImportPick | null>('import_pick'),
  importPreview: (passphrase: string | null) => call<ImportReport>('import_preview', { passphrase }),
  importApply: (choices: Record<number, OnConflict>) => call<ImportReport>('import_apply', { choices }),
  sendTest: (id: number, to: string | null, step: (s: TestStep) => void, force = false) =>
    call<SendReport>('send_test', { id, to, force, onStep: channel(step) }),
  checkInbound: (id: number, step: (s: TestStep) => void) =>
    call<InboundReport>('check_inbound', { id, onStep: channel(step) }),
  attention: () => call<AttentionItem[]>('attention'),
  checkNow: () => call<AttentionItem[]>('check_now'),
  secretHistory: (id: number) => call<SecretRecord[]>('secret_history', { id }),
  applyPortalRow: (id: number, text: string, dayFirst: boolean | null = null) =>
    call<RowApplied>('apply_portal_row', { id, text, dayFirst }),
  parsePortalRow: (text: string, dayFirst: boolean | null = null) =>
    call<PortalRow>('parse_portal_row_text', { text, dayFirst }),
  readAppSecrets: (id: number) => call<AppSecretsReport>('read_app_secrets', { id }),
  rotateSecret: (id: number, secret: NewSecret) => call<RotateReport>('rotate_secret', { id, secret }),
  getSettings: () => call<SettingsForm>('get_settings'),
  saveSettings: (form: SettingsForm) => call<SettingsForm>('save_settings', { form }),
  exportCalendar: () => call<string | null>('export_calendar'),
  openSecretsBlade: (id: number) => call<null>('open_secrets_blade', { id }),
};

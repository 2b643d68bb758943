// Generated from the Rust types by src-tauri/src/bindings.rs. Do not edit.
// Refresh with `make bindings`.

export type Provider = "microsoft365" | "outlook" | "google" | "custom";

export type AuthMethod = "auth-code" | "refresh-token" | "client-credentials" | "device-code" | "password" | "basic";

export type SendMethod = "smtp" | "graph";

export type Cloud = "global" | "usgov" | "china" | "custom";

export type TlsMode = "starttls" | "tls" | "none";

export type ExpiryState = "ok" | "soon" | "urgent" | "expired" | "unknown";

export type ExpiryBadge = { state: ExpiryState, 
/**
 * Whole days from today to the expiry date; negative once expired.
 */
daysLeft: number, 
/**
 * The badge in words ("Client secret expires in 3 days"), as every
 * front end says it.
 */
text: string, };

export type Profile = { id: number, name: string, enabled: boolean, notes: string, provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, 
/**
 * Username / mailbox the account signs in as (an address for OAuth).
 */
mailbox: string, fromAddress: string | null, domain: string | null, tenant: string, cloud: Cloud, authorityUrl: string | null, 
/**
 * A custom cloud's Microsoft Graph endpoint (its registration check,
 * secret and certificate reads and Graph sends go there).
 */
graphUrl: string | null, clientId: string, clientSecretId: string | null, clientSecretExpires: string | null, scopes: Array<string>, redirectUri: string, authUrl: string | null, tokenUrl: string | null, smtpHost: string, smtpPort: number, smtpSecurity: TlsMode, imapHost: string, imapPort: number, imapSecurity: TlsMode, 
/**
 * The POP3 server the relay's POP3 front signs in to (`AUTH XOAUTH2`)
 * for a profile that does not read over Graph; empty: none.
 */
pop3Host: string, pop3Port: number, pop3Security: TlsMode, createdAt: string, updatedAt: string, };

export type ProfileView = { hasClientSecret: boolean, hasPassword: boolean, 
/**
 * A certificate is its credential (confidential Microsoft apps).
 */
hasCertificate: boolean, 
/**
 * A certificate can be its credential ([`certificate_refusal`] says
 * none): the Sign in step offers one.
 */
certificateFits: boolean, secretExpiry: ExpiryBadge | null, 
/**
 * The latest Test sign-in / Send test / Check inbound, if any.
 */
lastTest: TestResult | null, 
/**
 * How the provider retires unused refresh tokens, in words (None when
 * no rule is known, e.g. a custom server).
 */
refreshTokenRule: string | null, id: number, name: string, enabled: boolean, notes: string, provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, 
/**
 * Username / mailbox the account signs in as (an address for OAuth).
 */
mailbox: string, fromAddress: string | null, domain: string | null, tenant: string, cloud: Cloud, authorityUrl: string | null, 
/**
 * A custom cloud's Microsoft Graph endpoint (its registration check,
 * secret and certificate reads and Graph sends go there).
 */
graphUrl: string | null, clientId: string, clientSecretId: string | null, clientSecretExpires: string | null, scopes: Array<string>, redirectUri: string, authUrl: string | null, tokenUrl: string | null, smtpHost: string, smtpPort: number, smtpSecurity: TlsMode, imapHost: string, imapPort: number, imapSecurity: TlsMode, 
/**
 * The POP3 server the relay's POP3 front signs in to (`AUTH XOAUTH2`)
 * for a profile that does not read over Graph; empty: none.
 */
pop3Host: string, pop3Port: number, pop3Security: TlsMode, createdAt: string, updatedAt: string, };

export type ProfileRow = { id: number, name: string, enabled: boolean, provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, mailbox: string, hasClientSecret: boolean, hasPassword: boolean, 
/**
 * The latest Test sign-in / Send test / Check inbound, if any.
 */
lastTest: TestResult | null, };

export type ProfileSummary = { secretExpiry: ExpiryBadge | null, id: number, name: string, enabled: boolean, provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, mailbox: string, hasClientSecret: boolean, hasPassword: boolean, 
/**
 * The latest Test sign-in / Send test / Check inbound, if any.
 */
lastTest: TestResult | null, };

export type ProfileList = { profiles: Array<ProfileSummary>, total: number, };

export type ProfileDraft = { name: string, enabled: boolean, notes: string, provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, mailbox: string, fromAddress: string, domain: string, tenant: string, cloud: Cloud, authorityUrl: string, graphUrl: string, clientId: string, clientSecret?: SecretChange, clientSecretId: string, 
/**
 * `YYYY-MM-DD`, or empty.
 */
clientSecretExpires: string, 
/**
 * Space-separated, as OAuth writes them.
 */
scopes: string, redirectUri: string, authUrl: string, tokenUrl: string, smtpHost: string, smtpPort: string, smtpSecurity: TlsMode, imapHost: string, imapPort: string, imapSecurity: TlsMode, pop3Host: string, pop3Port: string, pop3Security: TlsMode, password?: SecretChange, 
/**
 * A certificate to make or bring in with this save (app-only Microsoft
 * profiles): the credential instead of a client secret.
 */
certificate?: CertificateRequest, };

export type SecretChange = { "action": "keep" } | { "action": "clear" } | { "action": "set", value: string, };

export type CertificateRequest = { "action": "keep" } | { "action": "create", days: number, } | { "action": "pem", text: string, };

export type CertificateInfo = { 
/**
 * SHA-1 of the certificate, upper-case hex: the "Thumbprint" column of
 * Entra's Certificates & secrets, and `customKeyIdentifier` in Graph.
 */
thumbprint: string, 
/**
 * SHA-256 of the certificate, upper-case hex (the `x5t#S256` header).
 */
thumbprintSha256: string, 
/**
 * The subject as written in the certificate, e.g. `CN=Mailwarden Catalyst`.
 */
subject: string, 
/**
 * RFC 3339 (UTC).
 */
notBefore: string, 
/**
 * RFC 3339 (UTC): Entra refuses the key after this instant.
 */
notAfter: string, 
/**
 * RSA modulus size in bits.
 */
keyBits: number, };

export type CertificateRotation = { 
/**
 * The certificate the profile signs in with now.
 */
new: CertificateInfo, oldThumbprint: string, 
/**
 * Who changed the app: "the app itself" or the administrator's account.
 */
by: string, 
/**
 * Why the old certificate is still on the app (remove it in Entra by
 * hand); None: removed.
 */
oldLeft: string | null, };

export type ListSort = "name" | "urgency";

export type ProfileQuery = { 
/**
 * Case-insensitive words, all of which must appear in the name, mailbox,
 * From, notes, client ID, tenant or a server host.
 */
text: string, provider: Provider | null, authMethod: AuthMethod | null, enabled: boolean | null, 
/**
 * Keep only profiles whose client secret is in this state.
 */
expiry: ExpiryState | null, 
/**
 * The order of the matches (by name unless asked).
 */
sort: ListSort, };

export type Choices = { provider: Provider, authMethod: AuthMethod, sendMethod: SendMethod, cloud: Cloud, };

export type Defaults = { tenant: string, scopes: string, redirectUri: string, smtpHost: string, smtpPort: number, smtpSecurity: TlsMode, imapHost: string, imapPort: number, imapSecurity: TlsMode, };

export type ChoiceOption<T> = { value: T, label: string, 
/**
 * The label in a word or two, for a list row.
 */
short: string, };

export type Catalog = { providers: Array<ChoiceOption<Provider>>, authMethods: Array<ChoiceOption<AuthMethod>>, sendMethods: Array<ChoiceOption<SendMethod>>, clouds: Array<ChoiceOption<Cloud>>, tlsModes: Array<ChoiceOption<TlsMode>>, 
/**
 * The providers that sign in at Microsoft: the only ones that send
 * through Graph, and whose guide is the Entra portal's.
 */
microsoft: Array<Provider>, 
/**
 * Shown beside the password sign-in (OAuth ROPC) when it is chosen.
 */
passwordSignInCaution: string, };

export type KeyBackend = "keyring" | "file";

export type KeyInfo = { backend: KeyBackend, 
/**
 * The key file's path, or the keyring entry's name.
 */
location: string, 
/**
 * Set when the key fell back to a file: what that means and how to change it.
 */
notice: string | null, 
/**
 * Set when the key could not be loaded: why, and what to do. The profiles
 * can be read; secrets and tokens cannot until this is solved.
 */
problem: string | null, };

export type AppStatus = { version: string, 
/**
 * The commit the running binary was built from; filled by the binary
 * (its build script knows it; the core has none).
 */
commit: string | null, dbPath: string, key: KeyInfo, profileCount: number, };

export type ErrorCode = "validation" | "not_found" | "storage" | "key_unavailable" | "key_mismatch" | "crypto" | "io" | "auth" | "flow" | "too_soon";

export type FieldError = { 
/**
 * The draft's field name in camelCase (`clientId`, `smtpPort`, …).
 */
field: string, message: string, };

export type Diagnosis = { 
/**
 * Stable identifier the UI may branch on: `aadsts7000215`, `network`, …
 */
code: string, title: string, cause: string, 
/**
 * What to do, in order. Never empty.
 */
steps: Array<string>, 
/**
 * The provider's codes, e.g. `invalid_client`, `AADSTS7000215`.
 */
codes: Array<string>, 
/**
 * The provider's own description (first line), for unknown codes and tickets.
 */
description: string | null, traceId: string | null, correlationId: string | null, timestamp: string | null, 
/**
 * The provider's page about this error.
 */
errorUri: string | null, 
/**
 * For mail-server conversations: commands and replies, credentials redacted.
 */
transcript: Array<string>, 
/**
 * What Mailwarden can do about it itself, as buttons ([`Fix`]).
 */
fixes: Array<Fix>, 
/**
 * How long the provider asked to wait before trying again (`Retry-After`).
 */
retryAfterSecs?: number, };

export type Fix = "resetScopes" | "replaceSecret" | "reconnect" | "rotateAsAdmin";

export type IpcError = { code: ErrorCode, message: string, 
/**
 * The first field at fault, when the error is about a field.
 */
field: string | null, 
/**
 * Every field at fault (validation), so a form can mark them all.
 */
fields: Array<FieldError>, 
/**
 * For sign-in failures: the cause and the steps to fix it.
 */
diagnosis: Diagnosis | null, };

export type TokenRecord = { accessExpiresAt: number | null, scopes: Array<string>, account: string | null, tenantId: string | null, objectId: string | null, obtainedAt: string, refreshedAt: string | null, lastUsedAt: string | null, hasRefreshToken: boolean, 
/**
 * The provider declared the grant dead (invalid_grant): reconnect.
 */
needsReconnect: boolean, };

export type Claims = { aud: string | null, 
/**
 * Delegated permissions (`scp`, space-separated in the token).
 */
scopes: Array<string>, 
/**
 * Application permissions (`roles`), for app-only tokens.
 */
roles: Array<string>, 
/**
 * The account: `upn`, else `preferred_username`, else `unique_name` / `email`.
 */
account: string | null, tenantId: string | null, objectId: string | null, appId: string | null, exp: number | null, };

export type AuthReport = { claims: Claims | null, expiresAt: number, 
/**
 * What this token says cannot work (the wrong audience, another account).
 */
warnings: Array<string>, 
/**
 * The sign-in method's own caution, whatever the token (the password
 * sign-in's): the command line says it with the report; the window
 * says it once, beside the method.
 */
advice: string | null, };

export type DeviceCodePrompt = { userCode: string, verificationUri: string, expiresInSecs: number, message: string | null, };

export type ConnectProgress = { "kind": "waiting", url: string, timeoutSecs: number, browserError: string | null, } | { "kind": "deviceCode", prompt: DeviceCodePrompt, };

export type SendReport = { messageId: string, to: string, 
/**
 * The server's final reply, e.g. `250 2.0.0 Ok: queued as 1745298C159`.
 */
reply: string, elapsedMs: number, 
/**
 * Commands and replies, credentials redacted.
 */
transcript: Array<string>, 
/**
 * What the token's claims said before sending (e.g. the wrong audience).
 */
warnings: Array<string>, };

export type InboundReport = { mailbox: string, 
/**
 * How the inbox was reached.
 */
via: InboundVia, 
/**
 * Folders listed (IMAP).
 */
folders: number, 
/**
 * Messages in the inbox and unread ones (Graph).
 */
messages: number | null, unread: number | null, 
/**
 * The newest message of the inbox (Graph), if any.
 */
newest: NewestMessage | null, elapsedMs: number, 
/**
 * Commands and replies, credentials redacted.
 */
transcript: Array<string>, };

export type InboundVia = "imap" | "graph";

export type NewestMessage = { 
/**
 * RFC 3339, as Graph gives it.
 */
received: string, subject: string, from: string, };

export type TestKind = "auth" | "send" | "imap";

export type TestResult = { kind: TestKind, 
/**
 * RFC 3339.
 */
at: string, ok: boolean, 
/**
 * The diagnosis code when it failed.
 */
code: string | null, summary: string, 
/**
 * Whether the test before this one failed too (as read from the store;
 * false for a result just made): a network failure that repeats is urgent,
 * a single one may have passed by itself.
 */
failedBefore: boolean, };

export type TestStep = "token" | "connect" | "tls" | "auth" | "send" | "list";

export type Thresholds = { soonDays: number, urgentDays: number, };

export type Settings = { 
/**
 * When a secret or token becomes "soon" and "urgent".
 */
thresholds: Thresholds, 
/**
 * Refresh a refresh token once it has been idle this many days
 * (Microsoft drops it after 90 days without use).
 */
keepaliveDays: number, 
/**
 * How often the running app checks expiries (hours).
 */
checkEveryHours: number, 
/**
 * Closing the window keeps Mailwarden running in the tray.
 */
closeToTray: boolean, 
/**
 * The public client an administrator signs in with to check or create
 * app registrations (Microsoft Graph Command Line Tools by default).
 */
adminClientId: string, 
/**
 * The relay for legacy devices.
 */
relay: RelaySettings, };

export type SettingsForm = { settings: Settings, autostart: boolean, };

export type AttentionKind = "secret" | "certificate" | "refreshToken" | "reconnect" | "test" | "relay";

export type AttentionAction = "rotateSecret" | "rotateCertificate" | "secretExpiry" | "reconnect" | "test" | "relayQueue" | "relayDevices";

export type AttentionItem = { profileId: number, profileName: string, kind: AttentionKind, state: ExpiryState, 
/**
 * Days until the secret expires / the refresh token is dropped.
 */
daysLeft: number | null, title: string, detail: string, action: AttentionAction, 
/**
 * Stable for one secret / token / failure: notifications are keyed by it.
 */
item: string, };

export type SecretRecord = { id: number, secretId: string | null, 
/**
 * The first three characters of the value, as the portal shows them.
 */
hint: string | null, description: string, 
/**
 * `YYYY-MM-DD`.
 */
expiresOn: string | null, addedAt: string, retiredAt: string | null, };

export type DateOrder = "monthFirst" | "dayFirst";

export type PortalRow = { description: string, 
/**
 * `YYYY-MM-DD`.
 */
expires: string, 
/**
 * Both day and month were ≤ 12: read by the locale's order; say so.
 */
dateWasAmbiguous: boolean, secretId: string, 
/**
 * The first three characters of the value.
 */
hint: string | null, 
/**
 * The value was cut off by the portal (`...`): it cannot be the secret.
 */
valueTruncated: boolean, };

export type AppCertificate = { 
/**
 * SHA-1, upper-case hex (the portal's Thumbprint column).
 */
thumbprint: string | null, description: string, 
/**
 * The local date Entra stops taking it, `YYYY-MM-DD`.
 */
expires: string | null, 
/**
 * This is the certificate the profile signs in with.
 */
isProfiles: boolean, };

export type AppSecret = { secretId: string, description: string, hint: string | null, 
/**
 * The local date it expires, `YYYY-MM-DD`.
 */
expires: string | null, 
/**
 * This is the secret the profile holds.
 */
isProfiles: boolean, };

export type AppSecretsReport = { appName: string | null, secrets: Array<AppSecret>, certificates: Array<AppCertificate>, 
/**
 * The profile's expiry (and Secret ID, if it was missing) were filled in.
 */
updated: boolean, };

export type NewSecret = { value: string, secretId: string, 
/**
 * `YYYY-MM-DD`.
 */
expires: string, description: string, };

export type RotateReport = { profile: ProfileView, 
/**
 * How the new secret was proven, in words.
 */
proof: string, retired: SecretRecord | null, };

export type RowApplied = { row: PortalRow, profile: ProfileView, };

export type SetupGuide = { profile: string, sections: Array<Section>, };

export type Section = { title: string, 
/**
 * The blade, opened directly for this app where the client ID is known.
 */
link: string | null, steps: Array<Step>, };

export type Step = { "kind": "say", text: string, } | { "kind": "value", label: string, value: string, } | { "kind": "permissions", rows: Array<Permission>, } | { "kind": "code", language: string, text: string, } | { "kind": "link", label: string, url: string, };

export type Permission = { 
/**
 * As the portal lists it: Microsoft Graph, Office 365 Exchange Online.
 */
api: string, permission: string, 
/**
 * Delegated (on behalf of the signed-in mailbox) or Application (app-only).
 */
kind: PermissionKind, adminConsent: boolean, 
/**
 * What Mailwarden uses it for.
 */
why: string, 
/**
 * Mail still flows without it (the inbound check, reading the expiry).
 */
optional: boolean, };

export type PermissionKind = "Delegated" | "Application";

export type HandoverValue = { name: string, 
/**
 * Other names for it: the portal's, and what products call it.
 */
aka: string, value: string, };

export type HandoverRecord = { what: Reveal, 
/**
 * RFC 3339.
 */
at: string, 
/**
 * Whether Mailwarden kept (and keeps using) its own copy.
 */
kept: boolean, };

export type HandoverSummary = { values: Array<HandoverValue>, hasClientSecret: boolean, hasRefreshToken: boolean, history: Array<HandoverRecord>, 
/**
 * The programs configuration can be written for, each offered or not (and why).
 */
programs: Array<ProgramChoice>, };

export type Reveal = "clientSecret" | "refreshToken" | "certificateKey";

export type Program = "msmtp" | "neomutt" | "aerc" | "git-send-email" | "postfix";

export type ProgramChoice = { program: Program, label: string, 
/**
 * Why no configuration can be written for this profile; None: offered.
 */
refused: string | null, };

export type ProgramConfig = { program: Program, files: Array<ConfigFile>, 
/**
 * What to do besides writing the files, in order.
 */
notes: Array<string>, };

export type ConfigFile = { 
/**
 * Where the program reads it, e.g. `~/.msmtprc`.
 */
path: string, text: string, };

export type SetupProgress = { steps: Array<SetupStep>, 
/**
 * The first step to do or failing (Watch when all are done).
 */
current: StepId, };

export type SetupStep = { id: StepId, title: string, state: StepState, 
/**
 * One line: what was seen, or what to do.
 */
summary: string, 
/**
 * The diagnosis code of a failing step, if one is known.
 */
code: string | null, };

export type StepId = "describe" | "register" | "signIn" | "test" | "handover" | "watch";

export type StepState = "todo" | "done" | "failing" | "optional";

export type OnConflict = "skip" | "rename" | "replace";

export type ImportAction = "add" | "replace" | "rename" | "skip" | "conflict" | "invalid";

export type FieldChange = { field: string, from: string, to: string, };

export type ImportItem = { 
/**
 * Its position in the file (choices are given by it).
 */
index: number, name: string, action: ImportAction, 
/**
 * The name it is (or would be) stored under.
 */
storedAs: string, 
/**
 * The profile it is (or would be) stored as; None in a dry run of an add.
 */
id: bigint | null, errors: Array<FieldError>, 
/**
 * The secrets the file holds for it ("client secret", …).
 */
secrets: Array<string>, 
/**
 * What to do next, e.g. "set its client secret in the editor".
 */
note: string, 
/**
 * For a replace: each field that changes (never a secret).
 */
changes: Array<FieldChange>, 
/**
 * A replace changes where the stored secrets would be sent: they and
 * the connection are (or would be) dropped, to be entered again.
 */
dropsSecrets: boolean, };

export type ImportReport = { dryRun: boolean, 
/**
 * The file was encrypted (and so may carry secrets).
 */
encrypted: boolean, items: Array<ImportItem>, };

export type ImportPick = { fileName: string, encrypted: boolean, };

export type RegistrationCheck = { appName: string | null, 
/**
 * Whose token read it: the app itself, or the administrator.
 */
readAs: string, findings: Array<Finding>, 
/**
 * Findings that stop sign-in or mail.
 */
mismatches: number, };

export type Finding = { 
/**
 * What was compared, as the portal names it.
 */
item: string, state: FindingState, 
/**
 * What Microsoft has.
 */
found: string, 
/**
 * What this profile needs.
 */
wanted: string, 
/**
 * What to do, in the portal's words (`**…**`), when not Ok.
 */
fix: string | null, };

export type FindingState = "ok" | "mismatch" | "warning" | "unchecked";

export type Plan = { 
/**
 * Who will do it.
 */
admin: string, steps: Array<PlanStep>, 
/**
 * What stays for a person (Exchange Online PowerShell), from the guide.
 */
manual: Array<string>, };

export type PlanStep = { title: string, detail: string, };

export type ApplyReport = { steps: Array<StepOutcome>, manual: Array<string>, 
/**
 * Every step was done.
 */
complete: boolean, };

export type ApplyState = "done" | "failed" | "skipped";

export type StepOutcome = { title: string, state: ApplyState, detail: string, diagnosis: Diagnosis | null, };

export type AdminInfo = { account: string, profileId: bigint, expiresAt: number, };

export type RelaySettings = { 
/**
 * Where devices submit. A LAN address only with a certificate (TLS).
 */
listen: string, 
/**
 * Implicit TLS (SMTPS) as well, e.g. `0.0.0.0:465`; needs a certificate.
 */
tlsListen: string | null, 
/**
 * Where devices fetch mail over POP3 (STLS offered once TLS is on);
 * off unless set, e.g. `127.0.0.1:1110`.
 */
pop3Listen: string | null, 
/**
 * POP3 with implicit TLS (POP3S), e.g. `0.0.0.0:995`.
 */
pop3TlsListen: string | null, 
/**
 * Where devices read mail over IMAP (STARTTLS offered once TLS is on);
 * off unless set, e.g. `127.0.0.1:1143`.
 */
imapListen: string | null, 
/**
 * IMAP with implicit TLS (IMAPS), e.g. `0.0.0.0:993`.
 */
imapTlsListen: string | null, 
/**
 * PEM certificate chain and key; without them one is generated (and its
 * fingerprint shown) the first time TLS is needed.
 */
certFile: string | null, keyFile: string | null, maxMessageBytes: number, maxRecipients: number, maxConnections: number, 
/**
 * Connections at once from one address (Postfix: half the process limit).
 */
maxConnectionsPerClient: number, 
/**
 * New connections a minute from one LAN address; 0: no limit. Programs
 * on this computer (loopback) are not counted, as Postfix spares $mynetworks.
 */
maxConnectionRate: number, idleTimeoutSecs: number, 
/**
 * Per mailbox, for Microsoft profiles (Exchange Online's limits); 0: none.
 */
microsoftPerMinute: number, microsoftRecipientsPerDay: number, 
/**
 * Per mailbox for other providers; 0: none.
 */
otherPerMinute: number, 
/**
 * The desktop app starts the relay when it starts (and keeps it while in the tray).
 */
startWithApp: boolean, 
/**
 * Who gets a bounce (DSN) when a message is held.
 */
bounces: Bounces, };

export type Bounces = "off" | "sender" | { "to": string };

export type Device = { id: number, 
/**
 * Its relay user name (what it sends in AUTH).
 */
name: string, profileId: number, profileName: string, 
/**
 * False: let in by its source address alone.
 */
hasPassword: boolean, 
/**
 * Source addresses it may connect from (CIDR); empty: any the listener takes.
 */
allowed: Array<string>, 
/**
 * May send without TLS (from its allowed addresses only).
 */
plainOk: boolean, 
/**
 * The From is rewritten to the profile's mailbox when the device's own
 * may not be sent as (the original kept in Reply-To).
 */
rewriteFrom: boolean, createdAt: string, lastSeen: string | null, 
/**
 * Whether it may read its profile's mailbox, and how.
 */
mailbox: MailboxAccess, 
/**
 * What to worry about in its ranges (wider than one subnet; a range
 * that means anyone, from an older version), for `relay status`, the
 * window and `check`.
 */
warning: string | null, };

export type DeviceDraft = { name: string, profile: string, 
/**
 * No password: let in by source address alone (needs `allowed`).
 */
byAddress: boolean, allowed: Array<string>, plainOk: boolean, keepFrom: boolean, 
/**
 * The person confirmed a range wider than a /24 (IPv4) or /64 (IPv6).
 */
allowWide: boolean, 
/**
 * Its access to the profile's mailbox (POP3), if any.
 */
mailbox: MailboxAccess, };

export type MailboxAccess = { 
/**
 * It may fetch mail over POP3 (a Graph profile's inbox).
 */
pop3: boolean, 
/**
 * It may read its mailbox over IMAP (carried to the profile's IMAP server).
 */
imap: boolean, 
/**
 * What its POP3 DELE does at the mailbox: `deleteditems` (moved there),
 * `read` (marked read, left in the inbox), or `folder:NAME` (moved there).
 */
onDelete: string, 
/**
 * The newest messages it sees (the maildrop's size), 1 to 1,000.
 */
newest: number, };

export type MailboxSetting = { 
/**
 * `POP3`.
 */
protocol: string, 
/**
 * This computer's name (or the address the relay listens on).
 */
server: string, port: number, 
/**
 * As mail programs name it: `STARTTLS`, `SSL/TLS` or `None`.
 */
security: string, 
/**
 * Its relay user name (the password is the one shown when it was added).
 */
user: string, 
/**
 * Where it applies (e.g. "this computer only").
 */
note: string | null, };

export type Envelope = { id: string, device: string, profileId: number, 
/**
 * MAIL FROM as the device gave it.
 */
from: string, to: Array<string>, 
/**
 * The device's address.
 */
peer: string, receivedAt: string, size: number, 
/**
 * A bounce the relay wrote: the id of the held message it reports.
 */
bounceOf?: string, 
/**
 * The device asked for SMTPUTF8: the upstream must carry it.
 */
smtputf8: boolean, };

export type DeliveryState = { attempts: number, 
/**
 * Unix seconds of the next try (0: at once).
 */
nextAt: number, 
/**
 * The last transient failure, in a line.
 */
lastError: string | null, 
/**
 * Held (a permanent failure): why, and what to do. Not retried until asked.
 */
held: Diagnosis | null, };

export type QueuedMessage = { envelope: Envelope, state: DeliveryState, 
/**
 * A worker is handing it upstream right now.
 */
sending: boolean, 
/**
 * Its Subject header, decoded (read by the relay's view; the queue
 * itself reads no message bodies).
 */
subject: string | null, 
/**
 * The name of the profile it goes through (filled by the relay's view).
 */
profileName: string | null, };

export type RelayView = { running: boolean, 
/**
 * A relay another process runs for this data folder (`relay run`, a
 * systemd service): this one cannot start while it does.
 */
elsewhere: RunningInfo | null, 
/**
 * Where it listens (or would).
 */
listen: string, tlsListen: string | null, 
/**
 * The certificate's SHA-256, when TLS is on.
 */
fingerprint: string | null, 
/**
 * The relay settings were saved since this relay started: a restart
 * takes them up.
 */
restartNeeded: boolean, 
/**
 * Where devices read mail (`POP3 127.0.0.1:1110`, `IMAPS 0.0.0.0:993`).
 */
inboundListen: Array<string>, devices: Array<Device>, queue: Array<QueuedMessage>, 
/**
 * Each mailbox a device read through the relay: when, and while it
 * cannot, why.
 */
mailboxes: Array<MailboxView>, };

export type RunningInfo = { pid: number, listen: string, tlsListen: string | null, fingerprint: string | null, startedAt: string, };

export type MailboxView = { profile: string, 
/**
 * The device of the last session.
 */
device: string, 
/**
 * Its protocol: `POP3` or `IMAP`.
 */
protocol: string, 
/**
 * When a session last opened the mailbox (RFC 3339).
 */
lastFetch: string | null, 
/**
 * The messages it was shown (POP3's listing; an IMAP session's count
 * is the app's to ask).
 */
messages: number | null, 
/**
 * Why the mailbox could not be opened, while it cannot.
 */
failure: string | null, failedAt: string | null, };

export type InboundState = { 
/**
 * The device of the last session.
 */
device: string, 
/**
 * Its protocol: `POP3` or `IMAP`.
 */
protocol: string, 
/**
 * When a session last opened the mailbox (RFC 3339).
 */
lastFetch: string | null, 
/**
 * The messages it was shown (POP3's listing; an IMAP session's count
 * is the app's to ask).
 */
messages: number | null, 
/**
 * Why the mailbox could not be opened, while it cannot.
 */
failure: string | null, failedAt: string | null, };

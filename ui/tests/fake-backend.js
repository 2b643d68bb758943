// An in-page stand-in for the Rust commands, installed before the app loads
// (window.__TAURI_INTERNALS__.invoke is what @tauri-apps/api calls). It keeps
// profiles in memory and records every call, so tests can assert on payloads.
// Only the UI is under test here; the real backend is covered by the Rust tests
// and the WebDriver end-to-end test.
(() => {
  /** As the core's certificate_refusal: a confidential Microsoft app. */
  function certificateFits(d) {
    if (!['microsoft365', 'outlook'].includes(d.provider)) return false;
    if (['client-credentials', 'refresh-token', 'password'].includes(d.authMethod)) return true;
    return d.authMethod === 'auth-code' && !/^http:\/\/(localhost|127\.0\.0\.1)([:/]|$)/.test(d.redirectUri);
  }
  /** A certificate as the core describes one, kept for profile `id`. */
  function keepCertificate(id, days, subject, thumbprint) {
    const p = state.profiles.find((x) => x.id === id);
    state.certificates ??= {};
    const end = new Date(Date.parse('2026-12-07T10:00:00Z') + days * 86400000).toISOString().replace('.000', '');
    state.certificates[id] = {
      thumbprint, thumbprintSha256: 'AB'.repeat(32), subject: subject ?? `CN=Mailwarden ${p.name}`,
      notBefore: '2026-12-07T09:59:00Z', notAfter: end, keyBits: 2048,
    };
    p.hasCertificate = true;
    return state.certificates[id];
  }
  const seed = window.__SEED__ ?? [];
  const state = {
    profiles: structuredClone(seed).map((p) => ({ certificateFits: certificateFits(p), ...p })),
    calls: [],
    nextId: 100,
    key: window.__KEY__ ?? { backend: 'file', location: '/tmp/x.db.key', notice: 'No system keyring is in use.', problem: null },
  };
  window.__BACKEND__ = state;
  // The rules the fake core checks (a few of the real ones).
  const problems = (draft) => {
    const errors = [];
    if (!draft.name.trim()) errors.push({ field: 'name', message: 'Name is required.' });
    if (!GUID.test(draft.clientId)) errors.push({ field: 'clientId', message: `Client ID "${draft.clientId}" is not a GUID.` });
    if (draft.scopes.includes(',')) errors.push({ field: 'scopes', message: 'Separate scopes with spaces, not commas.' });
    if (draft.tenant !== undefined && !draft.tenant.trim()) errors.push({ field: 'tenant', message: 'Tenant is required.' });
    return errors;
  };
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  // The core's own catalogue (ui/tests/catalog.json, written by a Rust test).
  const catalog = window.__CATALOG__;
  const draftOf = (p) => ({
    name: p.name, enabled: p.enabled, notes: p.notes, provider: p.provider, authMethod: p.authMethod,
    sendMethod: p.sendMethod, mailbox: p.mailbox, fromAddress: p.fromAddress ?? '', domain: p.domain ?? '',
    tenant: p.tenant, cloud: p.cloud, authorityUrl: '', clientId: p.clientId, clientSecretId: '',
    clientSecretExpires: p.clientSecretExpires ?? '', scopes: p.scopes.join(' '), redirectUri: p.redirectUri,
    authUrl: '', tokenUrl: '', smtpHost: p.smtpHost, smtpPort: String(p.smtpPort), smtpSecurity: p.smtpSecurity,
    imapHost: p.imapHost, imapPort: String(p.imapPort), imapSecurity: p.imapSecurity,
    pop3Host: p.pop3Host ?? '', pop3Port: String(p.pop3Port ?? 995), pop3Security: p.pop3Security ?? 'tls',
  });
  const fresh = (c) => ({
    name: '', enabled: true, notes: '', provider: c.provider, authMethod: c.authMethod, sendMethod: c.sendMethod,
    mailbox: '', fromAddress: '', domain: '', tenant: c.provider === 'outlook' ? 'consumers' : 'organizations',
    cloud: c.cloud, authorityUrl: '', clientId: '', clientSecretId: '', clientSecretExpires: '',
    scopes: c.sendMethod === 'graph' ? 'https://graph.microsoft.com/Mail.Send offline_access' : 'https://outlook.office.com/SMTP.Send offline_access',
    redirectUri: 'http://localhost', authUrl: '', tokenUrl: '', smtpHost: 'smtp.office365.com', smtpPort: '587',
    smtpSecurity: 'starttls', imapHost: 'outlook.office365.com', imapPort: '993', imapSecurity: 'tls',
    pop3Host: '', pop3Port: '995', pop3Security: 'tls',
  });
  state.settings = { settings: { thresholds: { soonDays: 30, urgentDays: 7 }, keepaliveDays: 45, checkEveryHours: 4, closeToTray: false, adminClientId: '14d82eec-204b-4c2f-b7e8-296a70dab67e',
    relay: { listen: '127.0.0.1:2525', tlsListen: null, pop3Listen: null, pop3TlsListen: null, imapListen: null, imapTlsListen: null, certFile: null, keyFile: null, maxMessageBytes: 35 * 1024 * 1024, maxRecipients: 100, maxConnections: 50, maxConnectionsPerClient: 25, maxConnectionRate: 120,
      idleTimeoutSecs: 300, microsoftPerMinute: 30, microsoftRecipientsPerDay: 10000, otherPerMinute: 0, startWithApp: false, bounces: 'off' } }, autostart: false };
  const rank = { expired: 0, urgent: 1, soon: 2 };
  // Extra items a test can seed (reconnect, test), beside the secrets'.
  const seeded = window.__ATTENTION__ ?? [];
  const attentionItems = () => seeded.concat(state.profiles
    .filter((p) => p.secretExpiry && p.secretExpiry.state !== 'ok')
    .map((p) => ({
      profileId: p.id, profileName: p.name, kind: 'secret', state: p.secretExpiry.state, daysLeft: p.secretExpiry.daysLeft,
      title: p.secretExpiry.text,
      detail: '', action: 'rotateSecret', item: `secret:${p.id}`,
    }))
    ).sort((a, b) => rank[a.state] - rank[b.state] || (a.daysLeft ?? 0) - (b.daysLeft ?? 0));
  const invalid = (fields) => ({ code: 'validation', message: fields[0].message, field: fields[0].field, fields });
  const handlers = {
    app_status: () => ({ version: '0.1.0', commit: '0123456789ab', dbPath: '/tmp/x.db', key: state.key, profileCount: state.profiles.length }),
    key_import: () => {
      state.key = { backend: 'keyring', location: 'org.mailwarden.desktop / data-key 1', notice: null, problem: null };
      return state.key;
    },
    key_export: () => '/tmp/mailwarden-key-backup.txt',
    key_move: ({ to }) => {
      state.key = { backend: to, location: to === 'file' ? '/tmp/x.db.key' : 'org.mailwarden.desktop / data-key 1', notice: null, problem: null };
      return state.key;
    },
    catalog: () => catalog,
    list_profiles: ({ query }) => {
      const words = query.text.toLowerCase().split(/\s+/).filter(Boolean);
      const profiles = state.profiles
        .filter((p) => words.every((w) => [p.name, p.mailbox, p.clientId].some((f) => f.toLowerCase().includes(w))))
        .filter((p) => !query.provider || p.provider === query.provider)
        .filter((p) => !query.expiry || p.secretExpiry?.state === query.expiry)
        .sort((a, b) => a.name.localeCompare(b.name));
      const sev = { expired: 0, urgent: 1, soon: 2, ok: 3 };
      const urgency = (p) => [sev[p.secretExpiry?.state] ?? 4, p.secretExpiry?.daysLeft ?? Infinity];
      if (query.sort === 'urgency') profiles.sort((a, b) => urgency(a)[0] - urgency(b)[0] || urgency(a)[1] - urgency(b)[1]);
      return { profiles, total: state.profiles.length };
    },
    get_profile: ({ id }) => state.profiles.find((p) => p.id === id),
    new_draft: ({ choices }) => fresh(choices),
    edit_draft: ({ id }) => draftOf(state.profiles.find((p) => p.id === id)),
    rebase_draft: ({ draft, choices }) => ({ ...draft, ...choices }),
    check_draft: ({ draft }) => problems(draft),
    save_profile: ({ id, draft }) => {
      const errors = problems(draft);
      if (errors.length) throw invalid(errors);
      const old = state.profiles.find((p) => p.id === id);
      const hasClientSecret = draft.clientSecret?.action === 'set' ? true : draft.clientSecret?.action === 'clear' ? false : !!old?.hasClientSecret;
      const view = {
        ...(old ?? {}), id: id ?? state.nextId++, name: draft.name.trim(), enabled: draft.enabled, notes: draft.notes,
        provider: draft.provider, authMethod: draft.authMethod, sendMethod: draft.sendMethod, mailbox: draft.mailbox,
        tenant: draft.tenant, cloud: draft.cloud, clientId: draft.clientId, scopes: draft.scopes.split(/\s+/),
        redirectUri: draft.redirectUri, smtpHost: draft.smtpHost, smtpPort: Number(draft.smtpPort), smtpSecurity: draft.smtpSecurity,
        imapHost: draft.imapHost, imapPort: Number(draft.imapPort), imapSecurity: draft.imapSecurity,
        pop3Host: draft.pop3Host, pop3Port: Number(draft.pop3Port), pop3Security: draft.pop3Security,
        hasClientSecret, hasPassword: false, secretExpiry: old?.secretExpiry ?? null,
        certificateFits: certificateFits(draft),
      };
      state.profiles = state.profiles.filter((p) => p.id !== view.id).concat([view]);
      if (draft.certificate?.action === 'create') keepCertificate(view.id, draft.certificate.days, null, '6D340EE9BC3A8589BD5FB163DCFF99467FD71614');
      return view;
    },
    set_unsaved: () => null,
    open_portal_link: ({ url }) => {
      if (!url.startsWith('https://entra.microsoft.com/')) throw { code: 'flow', message: 'Only the providers\' portal pages are opened from here; copy the address instead.', field: null, fields: [] };
      return null;
    },
    // What the page had drawn when it asked for the window to be shown.
    window_ready: () => {
      state.readyWith = document.querySelector('[data-testid=profile-row], [data-testid=empty-state]')?.dataset.testid ?? null;
      return null;
    },
    connection: () => null,
    can_listen: () => true,
    // The inbound check of a Graph profile: the inbox read over Graph.
    check_inbound: ({ id, onStep }) => {
      for (const [index, s] of ['token', 'auth', 'list'].entries()) window[`_${onStep.id}`]({ index, message: s });
      const p = state.profiles.find((x) => x.id === id);
      return { mailbox: p.mailbox, via: 'graph', folders: 0, messages: 12, unread: 3, elapsedMs: 140, transcript: ['C: GET …/mailFolders/inbox', 'S: 200 OK'],
        newest: { received: '2026-12-01T10:30:00Z', from: 'vendor@fabrikam.com', subject: 'Invoice 1002' } };
    },
    // Like the core: Microsoft's refusal of the secret is recorded as the
    // last test and becomes the secret's verdict (list, view, attention).
    test_auth: ({ id }) => {
      const p = state.profiles.find((x) => x.id === id);
      p.lastTest = { kind: 'auth', at: '2026-11-23T12:00:00Z', ok: false, code: 'aadsts7000222', summary: 'The client secret has expired', failedBefore: false };
      p.secretExpiry = { state: 'expired', daysLeft: -1, text: 'Client secret expired: Microsoft refused it' };
      throw {
        code: 'auth', message: 'The client secret has expired', field: null, fields: [],
        diagnosis: {
          code: 'aadsts7000222', title: 'The client secret has expired',
          cause: "The app registration's client secret passed its expiry date.",
          steps: ['Open the app in Entra → **Certificates & secrets**: https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/351d6cb2-1c69-4081-9cc2-a769d71567cb', 'Create a **New client secret** and copy its **Value**.'],
          fixes: ['replaceSecret'],
          codes: ['invalid_client', 'AADSTS7000222'], description: 'AADSTS7000222: The provided client secret keys are expired.',
          traceId: '0000aaaa-11bb', correlationId: '5555ffff-66aa', timestamp: '2026-11-23 12:00:00Z',
          errorUri: 'https://login.microsoftonline.com/error?code=7000222', transcript: [],
        },
      };
    },
    delete_profile: ({ id }) => { state.deleted = state.profiles.find((p) => p.id === id); state.profiles = state.profiles.filter((p) => p.id !== id); return null; },
    undo_delete: () => { state.profiles = state.profiles.concat([state.deleted]); return state.deleted; },
    attention: () => attentionItems(),
    watch_failure: () => window.__WATCH_FAILURE__ ?? null,
    check_now: () => attentionItems(),
    secret_history: () => [],
    get_settings: () => state.settings,
    save_settings: ({ form }) => {
      const t = form.settings.thresholds;
      if (t.urgentDays >= t.soonDays) {
        throw invalid([{ field: 'urgentDays', message: `Urgent must come after the first warning: fewer than ${t.soonDays} days.` }]);
      }
      if (state.relay?.running && JSON.stringify(form.settings.relay) !== JSON.stringify(state.settings.settings.relay)) state.relay.restartNeeded = true;
      state.settings = form;
      return form;
    },
    parse_portal_row_text: ({ text }) => {
      const cells = text.split('\t');
      if (cells.length < 4) throw invalid([{ field: 'portalRow', message: 'No Secret ID found: the row should end with a GUID.' }]);
      return { description: cells[0], expires: '2027-11-23', dateWasAmbiguous: false, secretId: cells[3], hint: cells[2].slice(0, 3), valueTruncated: cells[2].endsWith('...') };
    },
    apply_portal_row: ({ id, text, dayFirst }) => {
      const row = handlers.parse_portal_row_text({ text, dayFirst });
      const p = state.profiles.find((x) => x.id === id);
      p.clientSecretId = row.secretId;
      p.clientSecretExpires = row.expires;
      state.describedAs = row.description;
      return { row, profile: p };
    },
    rotate_secret: ({ id, secret }) => {
      const p = state.profiles.find((x) => x.id === id);
      p.secretExpiry = { state: 'ok', daysLeft: 365, text: 'Client secret expires in 365 days' };
      return { profile: p, proof: 'got an app-only token with the new secret', retired: { id: 1, secretId: '0667485f-2d81-4cef-97f8-723b3fec0642', hint: 'Old', description: 'ERP 2025', expiresOn: null, addedAt: '2026-01-01T00:00:00Z', retiredAt: '2026-11-23T00:00:00Z' } };
    },
    open_secrets_blade: () => null,
    // Certificates: one per profile, made here (never a key in the page).
    certificate_show: ({ id }) => state.certificates?.[id] ?? null,
    certificate_create: ({ id, days }) => {
      if (days < 1 || days > 1095) throw invalid([{ field: 'certificateDays', message: 'A certificate made here is valid for 1 to 1095 days.' }]);
      return keepCertificate(id, days, null, '6D340EE9BC3A8589BD5FB163DCFF99467FD71614');
    },
    // The file "picked" is state.pick: 'pem', or 'pfx' (passphrase "correct horse").
    certificate_import: ({ id, passphrase }) => {
      if (state.pick === 'pfx' && !passphrase) throw invalid([{ field: 'certificatePassphrase', message: 'This is a PFX (PKCS#12) file: type the passphrase it was exported with.' }]);
      if (state.pick === 'pfx' && passphrase !== 'correct horse') throw invalid([{ field: 'certificatePassphrase', message: 'The passphrase does not open this PFX file.' }]);
      return keepCertificate(id, 730, 'CN=mail.contoso.com', '0B2C6A1F0E5D4C3B2A190817263544536271809A');
    },
    certificate_export_pfx: ({ id, passphrase }) => {
      if ([...passphrase].length < 8) throw invalid([{ field: 'passphrase', message: 'The passphrase must be at least 8 characters.' }]);
      return `/home/me/${state.profiles.find((x) => x.id === id).name}.pfx`;
    },
    // The app may not change itself while state.rotateDenied; an administrator may.
    certificate_rotate: ({ id, days, asAdmin }) => {
      if (!asAdmin && state.rotateDenied) {
        throw { code: 'auth', message: 'Microsoft Graph would not let the app add the certificate', field: null, fields: [], diagnosis: {
          code: 'graph_own_keys_denied', title: 'Microsoft Graph would not let the app add the certificate',
          cause: 'An app adds and removes its own certificates only while it is an owner of itself and holds the **Application.ReadWrite.OwnedBy** application permission with admin consent.',
          steps: ['Or rotate as an administrator now.'], codes: ['Authorization_RequestDenied'], fixes: ['rotateAsAdmin'], traceId: null, correlationId: null, timestamp: null, description: null, transcript: [] } };
      }
      if (asAdmin && state.admin?.profileId !== id) throw { code: 'flow', message: 'Sign in as an administrator first (the session ends after about an hour).', field: null, fields: [], diagnosis: null };
      const old = state.certificates[id].thumbprint;
      const made = keepCertificate(id, days, null, 'F00D'.repeat(10));
      return { new: made, oldThumbprint: old, by: asAdmin ? state.admin.account : 'the app itself', oldLeft: null };
    },
    certificate_save_public: ({ id }) => `/home/me/${state.profiles.find((x) => x.id === id).name}.cer`,
    certificate_remove: ({ id }) => {
      delete state.certificates[id];
      state.profiles.find((x) => x.id === id).hasCertificate = false;
      return null;
    },
    copy_text: () => null,
    // A guide as the core writes one (abridged).
    profile_guide: ({ id }) => {
      const p = state.profiles.find((x) => x.id === id);
      return {
        profile: p.name,
        sections: [
          { title: 'Register the application', link: `https://entra.example/Overview/appId/${p.clientId}`, steps: [
            { kind: 'say', text: 'Choose **New registration**.' },
            { kind: 'value', label: 'Application (client) ID → Client ID', value: p.clientId },
          ] },
          { title: 'API permissions', link: null, steps: [
            { kind: 'permissions', rows: [{ api: 'Microsoft Graph', permission: 'Mail.Send', kind: 'Application', adminConsent: true, why: 'send' }] },
            { kind: 'link', label: 'Admin consent', url: 'https://login.example/adminconsent' },
          ] },
          { title: 'Exchange Online', link: null, steps: [{ kind: 'code', language: 'powershell', text: 'Connect-ExchangeOnline' }] },
        ],
      };
    },
    open_guide_link: () => null,
    // The setup steps: a test may set window.__PROGRESS__ (the step to open at).
    profile_progress: () => {
      const ids = ['describe', 'register', 'signIn', 'test', 'handover', 'watch'];
      const titles = ['Describe', 'Register in Entra', 'Sign in', 'Test', 'Hand over', 'Watch'];
      const current = window.__PROGRESS__ ?? 'describe';
      const at = ids.indexOf(current);
      return {
        current,
        steps: ids.map((id, i) => ({ id, title: titles[i], state: i < at ? 'done' : i === at && id !== 'describe' ? 'todo' : i === 0 ? 'done' : 'todo', summary: i < at ? 'Done.' : 'To do.', code: null })),
      };
    },
    // Hand-over: values, a token to hand over, a record per hand-over.
    handover: ({ id }) => {
      const p = state.profiles.find((x) => x.id === id);
      state.handovers ??= [];
      return {
        values: [{ name: 'Client ID', aka: 'Application (client) ID; app ID', value: p.clientId }],
        hasClientSecret: true,
        hasRefreshToken: !state.tokenForgotten,
        history: state.handovers,
        // As the core answers for a Graph profile: git send-email cannot use it.
        programs: [
          { program: 'msmtp', label: 'msmtp', refused: null },
          { program: 'neomutt', label: 'NeoMutt / Mutt', refused: null },
          { program: 'git-send-email', label: 'git send-email', refused: `“${p.name}” sends through Microsoft Graph: its tokens are for Graph, which git send-email cannot use.` },
        ],
      };
    },
    handover_copy_secret: ({ what, keep }) => {
      const r = { what, at: '2026-12-02T10:41:00Z', kept: keep };
      state.handovers.unshift(r);
      if (!keep) state.tokenForgotten = true;
      return r;
    },
    program_config: ({ program }) => {
      if (program === 'git-send-email') {
        throw { code: 'flow', message: 'It sends through Microsoft Graph: its tokens are for Graph.', field: null, fields: [], diagnosis: null };
      }
      return { program, files: [{ path: '~/.msmtprc', text: "account alpha\nauth xoauth2\npasswordeval mailwarden token 'Alpha'\n" }], notes: ['Send with msmtp -a alpha.'] };
    },
    save_program_config: () => '/home/me/msmtprc',
    show_in_folder: ({ path }) => {
      if (path !== '/home/me/msmtprc') throw { code: 'flow', message: 'Only a file Mailwarden saved in this session can be shown.', field: null, fields: [], diagnosis: null };
      return null;
    },
    // Import/export: an encrypted file with a conflict, a new and a bad profile.
    export_profiles: ({ passphrase }) => {
      if (passphrase !== null && passphrase.length < 8) throw invalid([{ field: 'passphrase', message: 'The passphrase must be at least 8 characters.' }]);
      return passphrase === null ? '/home/me/mailwarden-profiles.json' : '/home/me/mailwarden-profiles.age';
    },
    import_pick: () => ({ fileName: 'mailwarden-profiles.age', encrypted: true }),
    import_preview: ({ passphrase }) => {
      if (passphrase !== 'correct horse') throw invalid([{ field: 'passphrase', message: 'That passphrase does not open this file. Type it again.' }]);
      const item = (index, name, action, extra = {}) => ({ index, name, action, storedAs: name, id: null, errors: [], secrets: [], note: '', changes: [], dropsSecrets: false, ...extra });
      return { dryRun: true, encrypted: true, items: [
        item(0, 'Alpha', 'conflict', { secrets: ['client secret'] }),
        item(1, 'Zulu', 'add', { secrets: ['client secret'] }),
        item(2, 'Bad', 'invalid', { errors: [{ field: 'smtpPort', message: 'SMTP port 70000 is not a port (1–65535).' }] }),
      ] };
    },
    import_apply: ({ choices }) => {
      const z = structuredClone(state.profiles[0]);
      Object.assign(z, { id: state.nextId++, name: 'Zulu' });
      state.profiles.push(z);
      const renamed = choices[0] === 'rename';
      if (renamed) state.profiles.push({ ...structuredClone(state.profiles[0]), id: state.nextId++, name: 'Alpha (imported)' });
      const item = (index, name, action, extra = {}) => ({ index, name, action, storedAs: name, id: 1, errors: [], secrets: [], note: '', changes: [], dropsSecrets: false, ...extra });
      return { dryRun: false, encrypted: true, items: [
        item(0, 'Alpha', choices[0] ?? 'skip', renamed ? { storedAs: 'Alpha (imported)' } : {}),
        item(1, 'Zulu', 'add'),
        item(2, 'Bad', 'invalid', { errors: [{ field: 'smtpPort', message: 'SMTP port 70000 is not a port (1–65535).' }] }),
      ] };
    },
    connection: () => null,
    can_listen: () => true,
    // A test that hangs (a server saying nothing) until Cancel.
    send_test: ({ force }) => window.__TOO_SOON__ ? (force
      ? { to: 'alpha@contoso.com', messageId: '<t1@mailwarden>', reply: '250 2.0.0 OK queued', elapsedMs: 90, transcript: [], via: 'smtp' }
      : Promise.reject({ code: 'too_soon', message: 'A test message was sent from “Alpha” moments ago; wait 8 s before sending another (bursts look like spam to Microsoft), or send it anyway.', field: null, fields: [], diagnosis: null }))
      : new Promise((_, reject) => {
      state.hanging = () => reject({
        code: 'auth', message: 'Cancelled', field: null, fields: [],
        diagnosis: { code: 'cancelled', title: 'Cancelled', cause: 'The test was stopped before it finished; nothing stored was changed.', steps: ['Run it again when ready.'], codes: [], description: null, fixes: [], traceId: null, correlationId: null, timestamp: null, errorUri: null, transcript: [] },
      });
    }),
    cancel_connect: () => { state.hanging?.(); return null; },
    // The browser sign-in: says it is waiting (and, with __NO_BROWSER__, that
    // no browser opened), then waits until Cancel.
    connect_browser: ({ onProgress }) => new Promise((_, reject) => {
      const message = { kind: 'waiting', url: 'https://login.example/authorize?loopback', timeoutSecs: 300, browserError: window.__NO_BROWSER__ ?? null };
      window[`_${onProgress.id}`]({ index: 0, message });
      state.hanging = () => reject({ code: 'flow', message: 'The sign-in was cancelled.', field: null, fields: [], diagnosis: null });
    }),
    manual_start: () => 'https://login.example/authorize?manual',
    // The relay: a device list, a queue with one held message.
    relay_view: () => (state.relay ??= {
      running: false, elsewhere: null, listen: '127.0.0.1:2525', tlsListen: null, fingerprint: null, restartNeeded: false, inboundListen: [], mailboxes: [], devices: [],
      queue: [
        { sending: false, subject: 'Scan from MFP-2F', profileName: 'Invent ERP', envelope: { id: '00001-000001-1', device: 'scanner-2f', profileId: 1, from: 'scan@printer.lan', to: ['ops@contoso.com'], peer: '192.168.1.20', receivedAt: '2026-12-02T10:00:00Z', size: 204800 },
          state: { attempts: 1, nextAt: 0, lastError: null, held: { code: 'aadsts70008', title: 'The sign-in has expired', cause: 'The refresh token was revoked.', steps: ['Connect the account again, then retry.'], codes: ['AADSTS70008'], description: null, traceId: null, correlationId: null, timestamp: null, errorUri: null, transcript: [], fixes: ['reconnect'] } } },
      ],
    }),
    relay_start: () => Object.assign(state.relay, { running: true, fingerprint: 'AB:CD:EF' }),
    relay_stop: () => { state.relay.running = false; return null; },
    relay_restart: () => Object.assign(state.relay, { running: true, restartNeeded: false }),
    relay_device_add: ({ draft }) => {
      if (!/^[A-Za-z0-9._@-]{1,64}$/.test(draft.name)) throw invalid([{ field: 'name', message: 'A device name is its relay user name: 1 to 64 letters, digits, ...' }]);
      const d = { id: state.nextId++, name: draft.name, profileId: 1, profileName: draft.profile, hasPassword: !draft.byAddress, allowed: draft.allowed, plainOk: draft.plainOk, rewriteFrom: !draft.keepFrom, createdAt: '2026-12-02T12:00:00Z', lastSeen: null, mailbox: draft.mailbox, warning: null };
      state.relay.devices.push(d);
      return d;
    },
    // As the core says them for a relay with POP3 on 127.0.0.1:1110 and IMAP on 127.0.0.1:1143.
    relay_mailbox_settings: ({ name }) => {
      const d = state.relay.devices.find((x) => x.name === name);
      const note = 'this computer only (programs running here)';
      return [
        ...(d.mailbox.pop3 ? [{ protocol: 'POP3', server: '127.0.0.1', port: 1110, security: 'None', user: name, note }] : []),
        ...(d.mailbox.imap ? [{ protocol: 'IMAP', server: '127.0.0.1', port: 1143, security: 'None', user: name, note }] : []),
      ];
    },
    relay_device_reset: () => null,
    relay_device_remove: ({ name }) => { state.relay.devices = state.relay.devices.filter((d) => d.name !== name); return null; },
    relay_queue_retry: ({ id }) => { const m = state.relay.queue.find((q) => q.envelope.id === id); m.state.held = null; return null; },
    relay_queue_delete: ({ id }) => { state.relay.queue = state.relay.queue.filter((q) => q.envelope.id !== id); return `Deleted message ${id} from the queue: it will not be sent.`; },
    // The registration: the app's own read is refused (no Application.Read.All)
    // until an administrator signs in; the plan is carried out step by step.
    registration_admin: () => state.admin ?? null,
    registration_sign_out: () => { state.admin = null; return null; },
    registration_sign_in: ({ id, onProgress }) => {
      window[`_${onProgress.id}`]({ index: 0, message: { kind: 'waiting', url: 'https://login.example/authorize?admin', timeoutSecs: 300, browserError: null } });
      return new Promise((ok) => setTimeout(() => ok((state.admin = { account: 'admin@contoso.com', profileId: id, expiresAt: 4102444800 })), 50));
    },
    registration_check: ({ id }) => {
      if (!state.admin) {
        throw { code: 'auth', message: 'Nothing here may read the app registration yet', field: null, fields: [], diagnosis: {
          code: 'registration_needs_reader', title: 'Nothing here may read the app registration yet', cause: 'The profile holds no client secret.',
          steps: ['Check with an administrator\'s sign-in.'], codes: [], fixes: [], traceId: null, correlationId: null, timestamp: null, description: null, transcript: [] } };
      }
      const p = state.profiles.find((x) => x.id === id);
      const done = state.applied?.includes(id);
      return { appName: p.name, readAs: state.admin.account, mismatches: done ? 0 : 1, findings: [
        { item: 'Supported account types', state: 'ok', found: 'Single tenant (accounts in this organizational directory only)', wanted: 'Single tenant (accounts in this organizational directory only)', fix: null },
        { item: 'Redirect URI (Mobile and desktop applications)', state: done ? 'ok' : 'mismatch', found: done ? 'http://localhost' : 'none', wanted: 'http://localhost',
          fix: done ? null : '**Authentication** → **Add a platform** → **Mobile and desktop applications** → add http://localhost.' },
      ] };
    },
    registration_plan: ({ id }) => ({ admin: state.admin.account, manual: ['Exchange Online: SMTP AUTH on for the mailbox (Set-CASMailbox) — PowerShell in the guide.'],
      steps: state.applied?.includes(id) ? [] : [{ title: 'Bring the app registration in line', detail: 'redirect URI http://localhost (Mobile and desktop applications)' },
        { title: 'Grant admin consent: Microsoft Graph SMTP.Send offline_access', detail: 'delegated permissions, for every user' }] }),
    registration_apply: ({ id, onProgress }) => {
      window[`_${onProgress.id}`]({ index: 0, message: 'Bring the app registration in line' });
      (state.applied ??= []).push(id);
      const p = state.profiles.find((x) => x.id === id);
      p.updatedAt = '2026-12-02T12:00:00Z';
      return { complete: true, manual: [], steps: [
        { title: 'Bring the app registration in line', state: 'done', detail: 'Changed.', diagnosis: null },
        { title: 'Grant admin consent: Microsoft Graph SMTP.Send offline_access', state: 'done', detail: 'Consented for every user.', diagnosis: null },
      ] };
    },
    duplicate_profile: ({ id }) => {
      const src = state.profiles.find((p) => p.id === id);
      const copy = { ...src, id: state.nextId++, name: `${src.name} (copy)` };
      state.profiles.push(copy);
      return copy;
    },
  };
  window.__TAURI_INTERNALS__ = {
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
    transformCallback: (cb) => { const id = Math.floor(Math.random() * 1e9); window[`_${id}`] = cb; return id; },
    invoke: async (cmd, args = {}) => {
      state.calls.push({ cmd, args: structuredClone(args) });
      const h = handlers[cmd];
      if (!h) throw { code: 'io', message: `unknown command ${cmd}`, field: null, fields: [] };
      // A slow core, for tests of what paints before it answers.
      if (cmd === 'list_profiles' && window.__LIST_DELAY__) await new Promise((r) => setTimeout(r, window.__LIST_DELAY__));
      const out = await h(args);
      return structuredClone(out);
    },
  };
})();

// The editor in real Chromium with a fake IPC backend: inline errors checked
// as the person goes, write-only secrets, the unsaved-changes guard, typed
// dates, the guide, sign-in and test panels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { calls, primaries, profile, shots, suite, unexplained } from './harness.mjs';

const app = suite();

test('validation errors from the core appear inline and focus the first field', async () => {
  const page = await app.open([]);
  await page.keyboard.press('Control+n');
  await page.getByLabel('Name').fill('Invent ERP');
  await page.getByLabel('Client ID').fill('nope');
  await page.getByLabel('Scopes').fill('a,b');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('error-clientId').waitFor();
  assert.match(await page.getByTestId('form-error').innerText(), /2 fields need attention/);
  assert.match(await page.getByTestId('error-scopes').innerText(), /spaces/);
  assert.equal(await page.getByLabel('Client ID').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByLabel('Client ID').getAttribute('aria-describedby'), 'clientId-error');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'clientId');
  assert.equal((await calls(page, 'save_profile')).length, 1);
  await page.context().close();
});

test('secrets are write-only: "Set", Replace sends a new value once, nothing echoes it', async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('clientSecret-state').waitFor();
  assert.equal((await page.getByTestId('clientSecret-state').innerText()).trim(), 'Set');
  await page.getByRole('button', { name: 'Replace secret' }).click();
  const input = page.locator('#clientSecret');
  assert.equal(await input.getAttribute('type'), 'password');
  assert.equal(await input.inputValue(), '', 'the old value is never shown');
  await input.fill('WvR8Q~NewSecretValue123');
  await page.keyboard.press('Control+s');
  await page.getByTestId('toast').waitFor();
  const saves = await calls(page, 'save_profile');
  assert.deepEqual(saves.at(-1).args.draft.clientSecret, { action: 'set', value: 'WvR8Q~NewSecretValue123' });
  await page.getByTestId('clientSecret-state').waitFor();
  assert.ok(!(await page.content()).includes('NewSecretValue123'), 'secret left in the page');
  // An untouched secret is sent as "keep".
  await page.getByLabel('Notes').fill('changed');
  await page.keyboard.press('Control+s');
  await page.waitForFunction(() => window.__BACKEND__.calls.filter((c) => c.cmd === 'save_profile').length === 2);
  assert.deepEqual((await calls(page, 'save_profile')).at(-1).args.draft.clientSecret, { action: 'keep' });
  await page.context().close();
});

test('unsaved changes are guarded on switching, Esc and Ctrl+N', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByLabel('Name').fill('Alpha renamed');
  assert.deepEqual(await primaries(page.locator('.editor')), ['Save'], 'an edited profile: Save is the one primary');
  await page.locator('[data-name="Bravo"]').click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), /Discard unsaved changes/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByLabel('Name').inputValue(), 'Alpha renamed', 'cancel keeps the edit');
  await page.keyboard.press('Control+n');
  await dialog.waitFor();
  await page.getByTestId('confirm-ok').click();
  await page.getByRole('heading', { name: 'New mail server' }).waitFor();
  assert.equal((await calls(page, 'save_profile')).length, 0, 'nothing was saved');
  const reported = (await calls(page, 'set_unsaved')).map((c) => c.args.dirty);
  assert.deepEqual(reported.slice(-2), [true, false], 'the shell was told about the edit, then that it was gone');
  await page.context().close();
});

test('fields are checked as they are left and typed in; errors clear when fixed', async () => {
  const page = await app.open([]);
  await page.keyboard.press('Control+n');
  await page.getByRole('heading', { name: 'New mail server' }).waitFor();
  assert.equal(await page.locator('[data-testid^=error-]').count(), 0, 'nothing shown before a field is visited');
  await page.getByLabel('Client ID').fill('nope');
  await page.getByLabel('Notes').focus(); // leave Client ID
  await page.getByTestId('error-clientId').waitFor();
  assert.match(await page.getByTestId('error-clientId').innerText(), /not a GUID/);
  await page.getByTestId('error-name').waitFor(); // Name, where focus started, was left empty
  assert.equal(await page.getByTestId('error-tenant').count(), 0, 'Tenant was not visited');
  await page.getByLabel('Client ID').fill('351d6cb2-1c69-4081-9cc2-a769d71567cb');
  await page.getByTestId('error-clientId').waitFor({ state: 'detached' });
  // After a Save every error shows, and each clears as it is fixed.
  await page.getByLabel('Tenant').fill('');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('error-tenant').waitFor();
  await page.getByTestId('error-name').waitFor();
  await page.getByLabel('Tenant').fill('contoso.onmicrosoft.com');
  await page.getByTestId('error-tenant').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('error-name').count(), 1, 'the unfixed one stays');
  await page.getByLabel('Name').fill('Invent ERP');
  await page.getByTestId('error-name').waitFor({ state: 'detached' });
  await page.getByTestId('form-error').waitFor({ state: 'detached' });
  assert.equal((await calls(page, 'save_profile')).length, 1, 'checks save nothing');
  await page.context().close();
});

test('the editor shows what to register in Entra, with copy buttons and the blades opened from Rust', async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByTestId('step-register').click();
  const guide = page.getByTestId('guide');
  await guide.getByRole('heading', { name: '1. Register the application' }).waitFor();
  assert.equal(await guide.locator('strong').first().innerText(), 'New registration', 'the portal’s words in bold');
  assert.match(await guide.getByTestId('guide-permissions').innerText(), /Microsoft Graph\s+Mail\.Send\s+Application\s+required/);
  await guide.getByRole('button', { name: 'Copy', exact: true }).first().click();
  assert.equal((await calls(page, 'copy_text')).at(-1).args.text, '351d6cb2-1c69-4081-9cc2-a769d71567cb');
  await guide.getByRole('button', { name: 'Copy PowerShell' }).click();
  assert.equal((await calls(page, 'copy_text')).at(-1).args.text, 'Connect-ExchangeOnline');
  await guide.getByRole('button', { name: 'Open in Entra' }).click();
  await guide.getByRole('button', { name: 'Admin consent' }).click();
  const opened = (await calls(page, 'open_guide_link')).map((c) => c.args.url);
  assert.deepEqual(opened, ['https://entra.example/Overview/appId/351d6cb2-1c69-4081-9cc2-a769d71567cb', 'https://login.example/adminconsent']);
  assert.equal((await calls(page, 'profile_guide')).length, 1, 'loaded once, when first opened');
  await page.context().close();
});

test('hand-over: values with their other names, a secret only through a dialog naming the risk, keep or forget, program configuration', async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-handover').click();
  const panel = page.getByTestId('handover');
  await panel.getByTestId('handover-values').waitFor();
  assert.match(await panel.getByTestId('handover-values').innerText(), /Client ID\s*Application \(client\) ID/);

  // The refresh token: Esc cancels (focus back on the button); then "forget".
  const token = panel.getByTestId('handover-token');
  await token.click();
  const dialog = page.getByRole('alertdialog');
  assert.match(await dialog.innerText(), /without signing in[\s\S]*Both copies stay valid/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'handover-token');
  assert.equal((await calls(page, 'handover_copy_secret')).length, 0);
  assert.ok(await panel.isVisible(), 'Esc closed only the dialog, not the editor');
  await token.click();
  await page.getByTestId('confirm-alt').click();
  await panel.getByTestId('handover-note').waitFor();
  assert.deepEqual((await calls(page, 'handover_copy_secret'))[0].args, { id: 1, what: 'refreshToken', keep: false });
  assert.match(await panel.getByTestId('handover-note').innerText(), /forgotten its copy/);
  assert.match(await panel.getByTestId('handover-history').innerText(), /refresh token was handed over on 2026-12-02 .* forgot its copy/);
  assert.equal(await panel.getByTestId('handover-token').count(), 0, 'no token left to hand over');

  // A program's configuration, and a program that cannot use the profile.
  await panel.getByTestId('program').selectOption('msmtp');
  assert.match(await panel.getByTestId('program-config').innerText(), /passwordeval mailwarden token 'Alpha'/);
  await panel.getByRole('button', { name: 'Save as…' }).click();
  // Where it went, beside the button that saved it, and the folder a click away.
  assert.match(await panel.getByTestId('config-saved').innerText(), /Saved to \/home\/me\/msmtprc/);
  await panel.getByRole('button', { name: 'Show in folder' }).click();
  assert.deepEqual((await calls(page, 'show_in_folder')).map((c) => c.args.path), ['/home/me/msmtprc']);
  // A program that cannot use the profile is not offered; why is said.
  const offered = await panel.getByTestId('program').locator('option').allInnerTexts();
  assert.deepEqual(offered, ['Choose…', 'msmtp', 'NeoMutt / Mutt']);
  assert.match(await panel.getByTestId('programs-refused').innerText(), /Not offered for this profile: git send-email/);
  await page.screenshot({ path: join(shots, 'ui-handover.png'), fullPage: true });
  await page.context().close();
});

test('import and export: some profiles, secrets only under a passphrase typed twice; a preview with conflicts resolved, errors shown', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo')]);
  await page.getByRole('button', { name: 'Import or export profiles' }).click();
  const dialog = page.getByTestId('transfer');
  await dialog.getByTestId('export-pick').first().waitFor();
  await dialog.getByTestId('export-pick').first().uncheck();
  await dialog.getByTestId('export-pick').nth(1).uncheck();
  assert.deepEqual(await unexplained(dialog), [], 'a disabled Export… says why');
  assert.equal(await dialog.getByRole('button', { name: 'Export…' }).getAttribute('title'), 'Choose at least one profile');
  await dialog.getByTestId('export-pick').first().check();
  await dialog.getByTestId('with-secrets').check();
  await dialog.getByLabel('Passphrase', { exact: true }).fill('short');
  await dialog.getByLabel('The same passphrase again').fill('shorter');
  await dialog.getByRole('button', { name: 'Export…' }).click();
  await dialog.getByTestId('error-again').waitFor();
  assert.equal((await calls(page, 'export_profiles')).length, 0, 'nothing sent while the two differ');
  await dialog.getByLabel('The same passphrase again').fill('short');
  await dialog.getByRole('button', { name: 'Export…' }).click();
  assert.match(await dialog.getByTestId('error-passphrase').innerText(), /at least 8/);
  await dialog.getByLabel('Passphrase', { exact: true }).fill('correct horse');
  await dialog.getByLabel('The same passphrase again').fill('correct horse');
  await dialog.getByRole('button', { name: 'Export…' }).click();
  await dialog.getByTestId('transfer-note').waitFor();
  assert.deepEqual((await calls(page, 'export_profiles')).at(-1).args, { ids: [1], passphrase: 'correct horse' });
  assert.match(await dialog.getByTestId('transfer-note').innerText(), /Exported 1 profile with their secrets, encrypted, to .*\.age/);

  await dialog.getByRole('tab', { name: 'Import' }).click();
  await dialog.getByRole('button', { name: 'Choose file…' }).click();
  await dialog.getByLabel('Passphrase of the file').fill('wrong');
  await dialog.getByRole('button', { name: 'Open' }).click();
  assert.match(await dialog.getByTestId('error-importPass').innerText(), /does not open/);
  await dialog.getByLabel('Passphrase of the file').fill('correct horse');
  await dialog.getByLabel('Passphrase of the file').press('Enter');
  const preview = dialog.getByTestId('import-preview');
  await preview.waitFor();
  assert.match(await preview.locator('tr[data-action=invalid]').innerText(), /SMTP port 70000/);
  assert.match(await dialog.getByRole('button', { name: /^Import \d/ }).innerText(), /Import 1 profile$/);
  await dialog.getByLabel('What to do with Alpha').selectOption('rename');
  await dialog.getByRole('button', { name: 'Import 2 profiles' }).click();
  assert.match(await dialog.getByTestId('import-result').innerText(), /2 added, 0 replaced, 0 skipped, 1 not imported/);
  assert.deepEqual((await calls(page, 'import_apply')).at(-1).args, { choices: { 0: 'rename' } });
  await page.screenshot({ path: join(shots, 'ui-import.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.locator('[data-name="Zulu"]').waitFor();
  await page.locator('[data-name="Alpha (imported)"]').waitFor();
  assert.ok(!(await page.content()).includes('correct horse'), 'the passphrase left in the page');
  await page.context().close();
});

test('the inbound check of a Graph profile reads the inbox: counts and the newest message', async () => {
  const page = await app.open([profile(1, 'Alpha', { imapHost: '' })]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-test').click();
  await page.getByRole('button', { name: 'Check inbound' }).click();
  const result = page.getByTestId('inbound-result');
  await result.waitFor();
  assert.match(await result.innerText(), /over Microsoft Graph .*: 12 messages, 3 unread/);
  assert.match(await page.getByTestId('inbound-newest').innerText(), /2026-12-01 \d\d:30 from vendor@fabrikam.com — “Invoice 1002”/);
  await page.context().close();
});

test('a profile saved while a search would hide it is shown: the search is cleared', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo')]);
  await page.getByLabel('Search profiles').fill('alp');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=profile-row]').length === 1);
  await page.keyboard.press('Control+n');
  await page.getByLabel('Name').fill('Zulu');
  await page.getByLabel('Client ID').fill('351d6cb2-1c69-4081-9cc2-a769d71567cb');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-name="Zulu"]').waitFor();
  assert.equal(await page.getByLabel('Search profiles').inputValue(), '');
  assert.match(await page.getByTestId('toast').innerText(), /search was cleared/);
  // What just happened is said where it covers nothing a person may press.
  const covered = await page.evaluate(() => {
    const t = document.querySelector('[data-testid=toast]').getBoundingClientRect();
    return [...document.querySelectorAll('button, a, input, select, textarea, [role=tab]')]
      .filter((b) => b.offsetParent)
      .filter((b) => {
        const r = b.getBoundingClientRect();
        return r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom;
      })
      .map((b) => b.textContent.trim() || b.id || b.tagName);
  });
  assert.deepEqual(covered, [], 'the notice covers no control');
  await page.context().close();
});

test('the expiry date is typed as YYYY-MM-DD and kept as typed; dates show in that one format', async () => {
  const page = await app.open([profile(1, 'Alpha', { clientSecretExpires: '2026-12-24' })]);
  await page.getByTestId('profile-row').first().click();
  const field = page.getByLabel('Secret expires');
  assert.equal(await field.inputValue(), '2026-12-24');
  await field.fill('2027-04-16');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('toast').waitFor();
  assert.equal((await calls(page, 'save_profile')).at(-1).args.draft.clientSecretExpires, '2027-04-16');
  await page.getByTestId('step-test').click();
  const label = page.getByLabel('Send the test message to');
  assert.ok(await label.isVisible(), 'the recipient box has a visible label');
  await page.context().close();
});

test('changing provider re-derives defaults and Graph is offered only for Microsoft', async () => {
  const page = await app.open([]);
  await page.keyboard.press('Control+n');
  await page.getByLabel('Provider', { exact: true }).selectOption('google');
  await page.waitForFunction(() => window.__BACKEND__.calls.some((c) => c.cmd === 'rebase_draft'));
  const rebase = (await calls(page, 'rebase_draft')).at(-1).args;
  assert.equal(rebase.choices.provider, 'google');
  assert.equal(rebase.choices.sendMethod, 'smtp');
  assert.equal(await page.locator('#sendMethod option[value=graph]').isDisabled(), true);
  assert.equal(await page.locator('#tenant').count(), 0, 'no tenant for Google');
  await page.getByLabel('Sign-in method').selectOption('basic');
  await page.locator('#password').waitFor();
  assert.equal(await page.locator('#clientId').count(), 0, 'no client ID for a password sign-in');
  await page.context().close();
});

test('the password sign-in over OAuth (ROPC) asks for the mailbox password beside the app, and says Microsoft discourages it', async () => {
  const page = await app.open([]);
  await page.keyboard.press('Control+n');
  await page.getByLabel('Sign-in method').selectOption('password');
  await page.getByTestId('ropc-warning').waitFor();
  assert.match(await page.getByTestId('ropc-warning').innerText(), /Microsoft discourages the password sign-in/);
  await page.getByLabel('Mailbox password').waitFor();
  assert.equal(await page.locator('#clientId').count(), 1, 'the app registration is still needed');
  assert.equal(await page.locator('#redirectUri').count(), 0, 'no redirect for a password sign-in');
  await page.context().close();
});

test('a sign-in failure renders as a Diagnosis: title, steps with portal names in bold, codes and IDs', async () => {
  const page = await app.open([profile(1, 'Catalyst')]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-signIn').click();
  await page.getByRole('button', { name: 'Test sign-in' }).click();
  const card = page.getByTestId('diagnosis');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-code'), 'aadsts7000222');
  assert.equal(await card.locator('h3').innerText(), 'The client secret has expired');
  assert.deepEqual(await card.locator('ol li strong').allInnerTexts(), ['Certificates & secrets', 'New client secret', 'Value']);
  const ids = await card.locator('pre').innerText();
  assert.match(ids, /AADSTS7000222/);
  assert.match(ids, /Trace ID: 0000aaaa-11bb/);
  assert.ok(!(await card.innerText()).includes('{'), 'no raw JSON');
  // One verdict: the row, the attention panel and the editor say what Microsoft said.
  const row = page.getByTestId('profile-row');
  await row.locator('.pill.expiry[data-state=expired]').waitFor();
  assert.equal(await row.locator('.pill.expiry').getAttribute('title'), 'Client secret expired: Microsoft refused it');
  assert.equal(await row.getByText('Test failed').count(), 1);
  const item = page.getByTestId('attention-item');
  await item.waitFor();
  assert.equal(await item.getAttribute('data-state'), 'expired');
  assert.match(await item.innerText(), /Client secret expired: Microsoft refused it/);
  assert.equal(await page.getByTestId('attention-ok').count(), 0);
  // The address inside the sentence is a link, opened by Rust; not text cut mid-word.
  const link = card.getByTestId('diagnosis-link');
  assert.equal(await link.innerText(), 'Open in Entra');
  assert.ok(!(await card.locator('ol').innerText()).includes('https://'), 'no raw address in the steps');
  await link.click();
  assert.deepEqual((await calls(page, 'open_portal_link')).map((c) => c.args.url), [
    'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationMenuBlade/~/Credentials/appId/351d6cb2-1c69-4081-9cc2-a769d71567cb',
  ]);
  await page.screenshot({ path: join(shots, 'ui-diagnosis.png') });
  // The fix it names is its button: the guided rotation opens.
  assert.deepEqual(await primaries(page.locator('.editor')), ['Replace the client secret…'], 'the fix, not Test again, is the one primary');
  await card.getByRole('button', { name: 'Replace the client secret…' }).click();
  await page.getByTestId('rotate-form').waitFor();
  assert.equal(await page.getByTestId('step-watch').getAttribute('aria-selected'), 'true');
  await page.context().close();
});

test('a browser that cannot be started is said at once, with the address and the paste route', async () => {
  const page = await app.open([profile(1, 'P1', { authMethod: 'auth-code', redirectUri: 'http://localhost' })], {
    attention: [{ profileId: 1, profileName: 'P1', kind: 'reconnect', state: 'expired', daysLeft: null, title: 'Sign-in no longer valid', detail: '', action: 'reconnect', item: 'r:1' }],
  });
  await page.evaluate(() => (window.__NO_BROWSER__ = 'xdg-open: no method available for opening the address'));
  await page.getByRole('button', { name: 'Reconnect' }).click();
  await page.getByRole('button', { name: /^Connect your/ }).click();
  const alert = page.getByTestId('no-browser');
  await alert.waitFor();
  assert.match(await alert.innerText(), /No browser opened \(xdg-open: no method available/);
  assert.equal(await page.getByLabel('Sign-in address').inputValue(), 'https://login.example/authorize?loopback');
  await page.getByRole('button', { name: 'Paste the address instead' }).click();
  await page.getByTestId('manual').waitFor();
  assert.equal(await page.getByTestId('manual').getByLabel('Sign-in address').inputValue(), 'https://login.example/authorize?manual');
  assert.equal((await calls(page, 'cancel_connect')).length, 1, 'the loopback wait was stopped');
  assert.equal(await page.getByTestId('waiting').count(), 0);
  await page.context().close();
});

test('a test in flight can be cancelled, and says so', async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByTestId('step-test').click();
  await page.getByTestId('tests').waitFor();
  await page.getByRole('button', { name: 'Send test message' }).click();
  await page.getByTestId('steps').waitFor();
  await page.getByTestId('cancel-test').click();
  await page.getByText('The test was stopped before it finished').waitFor();
  assert.equal(await page.getByTestId('steps').count(), 0);
  assert.equal((await calls(page, 'cancel_connect')).length, 1);
  await page.context().close();
});

test('the editor is the setup as steps: a new profile walks them in order, a saved one opens at the first not done; keys move between them at 900×600', async () => {
  const page = await app.open([profile(1, 'Alpha')], { viewport: { width: 900, height: 600 } });
  await page.keyboard.press('Control+n');
  await page.locator('#name').waitFor();
  for (const s of ['register', 'signIn', 'test', 'handover', 'watch']) {
    assert.ok(await page.getByTestId(`step-${s}`).isDisabled(), `${s} waits for the first save`);
  }
  await page.getByLabel('Name').fill('Zulu');
  await page.getByLabel('Client ID').fill('351d6cb2-1c69-4081-9cc2-a769d71567cb');
  const editor = page.locator('.editor');
  assert.deepEqual(await primaries(editor), ['Next: Register in Entra'], 'a new profile: Next (which saves) is the one primary');
  assert.deepEqual(await unexplained(editor), [], 'each step waiting for the save says so');
  assert.equal(await page.getByTestId('step-test').getAttribute('title'), 'Test: save the profile first');
  await page.evaluate(() => (window.__PROGRESS__ = 'register'));
  await page.getByTestId('next-step').click();
  await page.getByTestId('guide').waitFor();
  assert.equal((await calls(page, 'save_profile')).length, 1, 'Next saved the new profile');
  assert.equal(await page.getByTestId('step-register').getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-register', 'focus on the step reached');
  assert.equal(await page.getByTestId('step-describe').getAttribute('data-state'), 'done');

  // Arrows, Home and End move along the tabs; Alt+number from inside a panel.
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'step-signIn');
  assert.ok(await page.locator('#panel-signIn').isVisible());
  assert.ok(!(await page.locator('#panel-register').isVisible()), 'one step shows at a time');
  await page.keyboard.press('End');
  assert.ok(await page.locator('#panel-watch').isVisible());
  await page.keyboard.press('Home');
  assert.ok(await page.locator('#name').isVisible());
  await page.locator('#notes').focus();
  await page.keyboard.press('Alt+4');
  assert.ok(await page.getByTestId('tests').isVisible(), 'Alt+4 opened Test');
  const tabs = await page.locator('.setup-steps [role=tab]').evaluateAll((els) => els.map((t) => {
    const r = t.getBoundingClientRect();
    const title = t.querySelector('.step-title');
    return { top: r.top, right: r.right, name: title.textContent, shown: title.offsetWidth > 1 && title.scrollWidth <= title.clientWidth + 1 };
  }));
  assert.deepEqual(tabs.filter((t) => !t.shown).map((t) => t.name), [], 'every step name readable at 900 px');
  assert.equal(new Set(tabs.map((t) => t.top)).size, 1, `the six steps on one row at 900 px (${JSON.stringify(tabs)})`);
  assert.ok(tabs.every((t) => t.right <= 900));
  await page.screenshot({ path: join(shots, 'ui-steps-900x600.png') });

  // An edit locks the other steps until saved; Next saves and goes on.
  await page.keyboard.press('Alt+1');
  await page.getByLabel('Name').fill('Zulu 2');
  assert.ok(await page.getByTestId('step-signIn').isDisabled(), 'unsaved changes keep to Describe');
  await page.getByTestId('next-step').click();
  await page.getByTestId('guide').waitFor();
  assert.equal((await calls(page, 'save_profile')).length, 2);
  assert.equal(await page.getByTestId('step-register').getAttribute('aria-selected'), 'true');

  // A saved profile opens at its first step not done.
  await page.evaluate(() => (window.__PROGRESS__ = 'handover'));
  await page.locator('[data-name="Alpha"]').click();
  await page.getByTestId('handover').waitFor();
  assert.equal(await page.getByTestId('step-handover').getAttribute('aria-selected'), 'true');
  assert.equal(await page.getByTestId('step-test').getAttribute('data-state'), 'done');
  await page.context().close();
});

test('check against Microsoft: the app may not read, an administrator signs in; the plan, then each step; the token never reaches the page', async () => {
  const page = await app.open([profile(1, 'Alpha', { authMethod: 'auth-code', sendMethod: 'smtp', redirectUri: 'http://localhost' })]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-register').click();
  const panel = page.getByTestId('registration');
  await panel.getByRole('button', { name: 'Check against Microsoft' }).click();
  const card = panel.getByTestId('diagnosis');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-code'), 'registration_needs_reader');

  await panel.getByRole('button', { name: 'Sign in as administrator…' }).click();
  await panel.getByTestId('admin-account').waitFor();
  assert.match(await panel.getByTestId('admin-account').innerText(), /admin@contoso\.com/);
  await panel.getByRole('button', { name: 'Check against Microsoft' }).click();
  await panel.getByTestId('registration-findings').waitFor();
  assert.match(await panel.getByTestId('registration-summary').innerText(), /1 difference stop/);
  const bad = panel.locator('tr[data-state=mismatch]');
  assert.match(await bad.innerText(), /Redirect URI \(Mobile and desktop applications\)/);
  assert.deepEqual(await bad.locator('strong').allInnerTexts(), ['Authentication', 'Add a platform', 'Mobile and desktop applications']);

  await panel.getByTestId('registration-create').click();
  const plan = panel.getByTestId('registration-plan');
  await plan.waitFor();
  assert.match(await plan.innerText(), /As admin@contoso\.com, Mailwarden will:[\s\S]*Bring the app registration in line[\s\S]*Left for you/);
  assert.equal((await calls(page, 'registration_apply')).length, 0, 'nothing done before Do it');
  await plan.getByTestId('registration-apply').click();
  const report = panel.getByTestId('registration-report');
  await report.waitFor();
  assert.match(await report.innerText(), /in line with this profile/);
  assert.equal(await report.locator('li[data-state=done]').count(), 2);
  await panel.locator('[data-testid=registration-summary]', { hasText: 'nothing stops' }).waitFor();
  await page.screenshot({ path: join(shots, 'ui-registration.png'), fullPage: true });
  await page.context().close();
});

test('a second test message within seconds is refused with a reason, and can be sent anyway', async () => {
  const page = await app.open([profile(1, 'Alpha', { authMethod: 'auth-code', sendMethod: 'smtp' })]);
  await page.evaluate(() => (window.__TOO_SOON__ = true));
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-test').click();
  await page.getByRole('button', { name: 'Send test message' }).click();
  await page.getByTestId('send-anyway').waitFor();
  assert.match(await page.getByTestId('test-message').innerText(), /moments ago/);
  await page.getByTestId('send-anyway').click();
  await page.getByTestId('send-result').waitFor();
  const sends = await calls(page, 'send_test');
  assert.deepEqual(sends.map((c) => c.args.force), [false, true]);
  await page.context().close();
});

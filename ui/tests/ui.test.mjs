// The window in real Chromium with a fake IPC backend: empty state, badges,
// the list (search, filters, sort, virtual rows), keyboard and focus, the
// attention panel, settings, the key banner and the dark theme.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { calls, primaries, profile, shots, suite, unexplained } from './harness.mjs';

const app = suite();

test('the empty state invites the first mail server and opens the editor', async () => {
  const page = await app.open([]);
  await page.getByTestId('empty-state').waitFor();
  assert.match(await page.getByTestId('empty-state').innerText(), /No mail servers yet/);
  await page.getByRole('button', { name: 'Add your first mail server' }).click();
  await page.getByRole('heading', { name: 'New mail server' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'name', 'focus starts on Name');
  await page.context().close();
});

test('expiry badges: green ok, amber soon, red urgent, filled red expired; said as the attention panel says them', async () => {
  const page = await app.open([
    profile(1, 'Alpha', { secretExpiry: { state: 'ok', daysLeft: 200, text: 'Client secret expires in 200 days' } }),
    profile(2, 'Bravo', { secretExpiry: { state: 'soon', daysLeft: 17, text: 'Client secret expires in 17 days' } }),
    profile(3, 'Charlie', { secretExpiry: { state: 'urgent', daysLeft: 4, text: 'Client secret expires in 4 days' } }),
    profile(4, 'Delta', { secretExpiry: { state: 'expired', daysLeft: -3, text: 'Client secret expired 3 days ago' },
      lastTest: { kind: 'send', at: '2026-12-01T10:00:00Z', ok: false, code: 'graph_403', summary: 'Refused', failedBefore: false } }),
  ]);
  await page.getByTestId('profile-row').first().waitFor();
  // Two badges take the first line only: the mailbox and the kinds keep the row's width.
  const cut = await page.$$eval('.row-sub, .row-meta', (els) => els.filter((e) => e.scrollWidth > e.clientWidth).map((e) => e.textContent));
  assert.deepEqual(cut, [], 'nothing cut off under the badges');
  const pills = await page.$$eval('.expiry', (els) =>
    els.map((e) => ({ state: e.dataset.state, text: e.textContent.trim(), label: e.getAttribute('aria-label'), color: getComputedStyle(e).backgroundColor })));
  assert.deepEqual(pills.map((p) => [p.state, p.text]), [['ok', '200 d'], ['soon', '17 d'], ['urgent', '4 d'], ['expired', 'Expired']]);
  assert.equal(pills[3].label, 'Client secret expired 3 days ago');
  assert.notEqual(pills[2].color, pills[3].color, 'urgent and expired never look alike');
  // The attention panel says "Expired" the same way, in the same colour.
  const state = page.locator('[data-testid=attention-item][data-state=expired] .state');
  assert.equal(await state.innerText(), 'Expired');
  assert.equal(await state.evaluate((e) => getComputedStyle(e).backgroundColor), pills[3].color);
  assert.notEqual(pills[0].color, pills[1].color);
  assert.notEqual(pills[1].color, pills[2].color);
  await page.screenshot({ path: join(shots, 'ui-badges.png') });
  await page.context().close();
});

test('Ctrl+F focuses search; search and provider filter query the core', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo', { provider: 'outlook' })]);
  await page.getByTestId('profile-row').first().waitFor();
  await page.keyboard.press('Control+f');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search profiles');
  await page.keyboard.type('brav');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=profile-row]').length === 1);
  assert.equal(await page.getByTestId('profile-row').getAttribute('data-name'), 'Bravo');
  await page.getByLabel('Search profiles').fill('');
  await page.getByLabel('Filter by provider').selectOption('outlook');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=profile-row]').length === 1);
  const last = (await calls(page, 'list_profiles')).at(-1).args.query;
  assert.equal(last.provider, 'outlook');
  assert.match(await page.locator('.count').innerText(), /1 of 2/);
  await page.context().close();
});

test('Esc in the search box clears the search and leaves the editor alone', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByLabel('Name').fill('Alpha renamed');
  await page.keyboard.press('Control+f');
  await page.keyboard.type('brav');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=profile-row]').length === 1);
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=profile-row]').length === 2);
  assert.equal(await page.getByLabel('Search profiles').inputValue(), '');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search profiles', 'focus stays');
  assert.equal(await page.getByLabel('Name').inputValue(), 'Alpha renamed', 'the edit is untouched');
  assert.equal(await page.getByRole('alertdialog').count(), 0);
  await page.context().close();
});

test('a dialog closed with Esc gives focus back to what opened it; the editor header stays under its backdrop', async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByLabel('More actions').click();
  await page.getByRole('menuitem', { name: 'Delete…' }).click();
  await page.getByRole('alertdialog').waitFor();
  const covered = await page.evaluate(() => {
    const r = document.querySelector('.editor-head').getBoundingClientRect();
    return !!document.elementFromPoint(r.left + 10, r.top + r.height / 2)?.closest('.backdrop');
  });
  assert.ok(covered, 'the backdrop covers the sticky header');
  await page.keyboard.press('Escape');
  await page.getByRole('alertdialog').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'More actions');
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByTestId('settings').waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('settings').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Settings');
  await page.context().close();
});

test('a deleted profile can be brought back with Undo, beside the notice that says it was deleted', async () => {
  const page = await app.open([profile(1, 'Alpha'), profile(2, 'Bravo')]);
  await page.locator('[data-name="Alpha"]').click();
  // Revert says why it cannot be pressed; Delete waits in the menu.
  const revert = page.getByRole('button', { name: 'Revert' });
  assert.ok(await revert.isDisabled());
  assert.equal(await revert.getAttribute('title'), 'Nothing changed since the last save');
  await page.getByLabel('Name').fill('Alpha 2');
  assert.ok(await revert.isEnabled(), 'a change can be reverted');
  await revert.click();
  assert.equal(await page.getByLabel('Name').inputValue(), 'Alpha');
  await page.getByLabel('More actions').click();
  await page.getByRole('menuitem', { name: 'Delete…' }).click();
  assert.match(await page.getByRole('alertdialog').innerText(), /Undo brings it back/);
  await page.getByTestId('confirm-ok').click();
  await page.locator('[data-name="Alpha"]').waitFor({ state: 'detached' });
  assert.match(await page.getByTestId('toast').innerText(), /Deleted “Alpha”\./);
  await page.getByTestId('toast-action').click();
  await page.locator('[data-name="Alpha"]').waitFor();
  assert.equal((await calls(page, 'undo_delete')).length, 1);
  assert.match(await page.getByTestId('toast').innerText(), /“Alpha” is back/);
  assert.equal(await page.getByRole('heading', { name: 'Alpha' }).count(), 1, 'its editor opens');
  await page.context().close();
});

test('the list sorts by name or most urgent first', async () => {
  const page = await app.open([
    profile(1, 'Alpha', { secretExpiry: { state: 'ok', daysLeft: 200, text: 'Client secret expires in 200 days' } }),
    profile(2, 'Bravo'),
    profile(3, 'Charlie', { secretExpiry: { state: 'urgent', daysLeft: 4, text: 'Client secret expires in 4 days' } }),
    profile(4, 'Delta', { secretExpiry: { state: 'soon', daysLeft: 20, text: 'Client secret expires in 20 days' } }),
  ]);
  const names = () => page.$$eval('[data-testid=profile-row]', (rows) => rows.map((r) => r.dataset.name));
  await page.getByTestId('profile-row').first().waitFor();
  assert.deepEqual(await names(), ['Alpha', 'Bravo', 'Charlie', 'Delta']);
  await page.getByLabel('Sort').selectOption('urgency');
  await page.waitForFunction(() => document.querySelector('[data-testid=profile-row]')?.dataset.name === 'Charlie');
  assert.deepEqual(await names(), ['Charlie', 'Delta', 'Alpha', 'Bravo']);
  assert.equal((await calls(page, 'list_profiles')).at(-1).args.query.sort, 'urgency');
  await page.context().close();
});

test('at 900×600 the attention panel folds so the list keeps its room', async () => {
  const items = Array.from({ length: 7 }, (_, i) => ({
    profileId: 1, profileName: 'Alpha', kind: 'test', state: 'urgent', daysLeft: null,
    title: `Problem ${i}`, detail: '', action: 'test', item: `t:${i}`,
  }));
  const seed = Array.from({ length: 12 }, (_, i) => profile(i + 1, `Server ${String(i + 1).padStart(2, '0')}`));
  const page = await app.open(seed, { attention: items, viewport: { width: 900, height: 600 } });
  await page.getByTestId('profile-row').first().waitFor();
  const toggle = page.locator('.attention-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  assert.match(await toggle.innerText(), /7 items need attention/);
  const visibleRows = () => page.$$eval('[data-testid=profile-row]', (rows) =>
    rows.filter((r) => { const b = r.getBoundingClientRect(); return b.top >= 0 && b.bottom <= window.innerHeight; }).length);
  assert.ok((await visibleRows()) >= 4, `rows in view: ${await visibleRows()}`);
  await toggle.click();
  await page.getByTestId('attention-item').first().waitFor();
  assert.ok((await visibleRows()) >= 2, 'opened, the panel still leaves rows in view');
  await page.setViewportSize({ width: 1180, height: 760 });
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true', 'the person’s choice holds');
  await page.context().close();
});

test('follows the system dark theme', async () => {
  const page = await app.open([profile(1, 'Alpha', { secretExpiry: { state: 'soon', daysLeft: 12, text: 'Client secret expires in 12 days' } })], { colorScheme: 'dark' });
  await page.getByTestId('profile-row').click();
  await page.locator('#name').waitFor();
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const [r, g, b] = bg.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `dark background, got ${bg}`);
  await page.screenshot({ path: join(shots, 'ui-dark.png') });
  await page.context().close();
});

test('the key-file banner explains itself', async () => {
  const page = await app.open([]);
  const banner = page.getByTestId('key-banner');
  await banner.waitFor();
  await banner.getByRole('button', { name: 'Details' }).click();
  assert.match(await banner.innerText(), /No system keyring/);
  await page.context().close();
});

test('the attention panel lists expiring secrets worst first; its action opens the guided rotation', async () => {
  const page = await app.open([
    profile(1, 'Alpha', { secretExpiry: { state: 'ok', daysLeft: 200, text: 'Client secret expires in 200 days' }, hasClientSecret: true }),
    profile(2, 'Bravo', { secretExpiry: { state: 'soon', daysLeft: 17, text: 'Client secret expires in 17 days' }, hasClientSecret: true }),
    profile(3, 'Charlie', { secretExpiry: { state: 'expired', daysLeft: -3, text: 'Client secret expired 3 days ago' }, hasClientSecret: true }),
  ]);
  const items = page.getByTestId('attention-item');
  await items.first().waitFor();
  assert.deepEqual(await items.evaluateAll((els) => els.map((e) => [e.dataset.state, e.querySelector('strong').textContent])),
    [['expired', 'Charlie'], ['soon', 'Bravo']]);
  assert.match(await page.getByTestId('attention').innerText(), /2 items need attention/);
  await items.first().getByRole('button', { name: 'Rotate secret' }).click();
  const form = page.getByTestId('rotate-form');
  await form.waitFor();
  assert.deepEqual(await unexplained(form), [], 'Rotate waits for the value, and says so');
  await page.getByLabel('Row from the portal (optional)').fill('Relay\t11/23/2027\tNew8Q~abc...\t11111111-2222-3333-4444-555555555555');
  await page.getByRole('button', { name: 'Read row' }).click();
  await page.getByTestId('row-note').waitFor();
  assert.equal(await page.getByLabel('New Secret ID').inputValue(), '11111111-2222-3333-4444-555555555555');
  assert.equal(await page.getByLabel('New secret expires').inputValue(), '2027-11-23');
  await page.getByLabel('New secret Value').fill('New8Q~theWholeValue');
  await page.getByRole('button', { name: 'Prove and rotate' }).click();
  await page.getByTestId('rotated').waitFor();
  const rotate = (await calls(page, 'rotate_secret'))[0].args;
  assert.deepEqual(rotate.secret, { value: 'New8Q~theWholeValue', secretId: '11111111-2222-3333-4444-555555555555', expires: '2027-11-23', description: 'Relay' });
  assert.equal(rotate.id, 3);
  assert.ok(!(await page.content()).includes('New8Q~theWholeValue'), 'the value is not kept in the page');
  // The retired secret by its description, and the fix ("delete it in Entra") a button.
  assert.match(await page.getByTestId('rotated').innerText(), /The old secret “ERP 2025” is retired/);
  await page.getByTestId('open-secrets-blade').click();
  assert.deepEqual((await calls(page, 'open_secrets_blade')).map((c) => c.args.id), [3]);
  await page.screenshot({ path: join(shots, 'ui-attention.png') });
  await page.context().close();
});

test('settings: thresholds are checked by the core and shown by field', async () => {
  const page = await app.open([]);
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByTestId('settings').waitFor();
  await page.getByLabel('Urgent (days before expiry)').fill('40');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('error-urgentDays').waitFor();
  await page.getByLabel('Urgent (days before expiry)').fill('5');
  await page.getByLabel('Keep running in the tray when the window is closed').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('settings').waitFor({ state: 'detached' });
  const saved = (await calls(page, 'save_settings')).at(-1).args.form;
  assert.equal(saved.settings.thresholds.urgentDays, 5);
  assert.equal(saved.settings.closeToTray, true);
  await page.context().close();
});

test("the current secret's row from the portal fills its Secret ID and expiry, keeping the secret", async () => {
  const page = await app.open([profile(1, 'Alpha')]);
  await page.getByTestId('profile-row').first().click();
  await page.getByTestId('step-watch').click();
  await page.getByTestId('secrets').waitFor();
  await page.getByText("Paste this secret's row from the portal").click();
  await page.locator('#current-row').fill('Documentation\t4/16/2027\tWvR8Q~dbu...');
  await page.getByRole('button', { name: 'Use row' }).click();
  await page.getByTestId('error-current-row').waitFor();
  assert.match(await page.getByTestId('error-current-row').innerText(), /No Secret ID/);
  await page.locator('#current-row').fill('Documentation\t4/16/2027\tWvR8Q~dbu...\t0667485f-2d81-4cef-97f8-723b3fec0642');
  await page.getByRole('button', { name: 'Use row' }).click();
  await page.getByTestId('current-row-note').waitFor();
  assert.match(await page.getByTestId('current-row-note').innerText(), /0667485f-2d81-4cef-97f8-723b3fec0642 expires on 2027-11-23/);
  // One call to the core applies ID, expiry and description; the UI saves no draft of its own.
  const applied = await calls(page, 'apply_portal_row');
  assert.equal(applied.at(-1).args.id, 1);
  assert.equal((await calls(page, 'save_profile')).length, 0, 'the secret itself is never touched by the UI');
  assert.equal(await page.evaluate(() => window.__BACKEND__.describedAs), 'Documentation');
  await page.context().close();
});

test('Reconnect and Test actions open the profile at its Connection and Tests; Check now asks the core', async () => {
  const item = (profileId, kind, action, title) => ({
    profileId, profileName: `P${profileId}`, kind, state: kind === 'reconnect' ? 'expired' : 'urgent', daysLeft: null,
    title, detail: '', action, item: `${kind}:${profileId}`,
  });
  const page = await app.open([profile(1, 'P1', { authMethod: 'auth-code' }), profile(2, 'P2')], {
    attention: [item(1, 'reconnect', 'reconnect', 'Sign-in no longer valid'), item(2, 'test', 'test', 'Last test send failed')],
  });
  const items = page.getByTestId('attention-item');
  await items.first().waitFor();
  await items.nth(0).getByRole('button', { name: 'Reconnect' }).click();
  await page.getByTestId('connection').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'P1');
  await items.nth(1).getByRole('button', { name: 'Test' }).click();
  await page.getByTestId('tests').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'P2');
  const inView = await page.getByTestId('tests').evaluate((e) => e.getBoundingClientRect().top < window.innerHeight);
  assert.ok(inView, 'the Tests section is scrolled into view');
  await page.getByRole('button', { name: 'Check now' }).click();
  await page.getByTestId('toast').waitFor();
  assert.equal((await calls(page, 'check_now')).length, 1);
  await page.context().close();
});

test('a locked key says why, keeps the profiles readable, and a backup unlocks it', async () => {
  const key = {
    backend: 'keyring', location: 'org.mailwarden.desktop / data-key 1', notice: null,
    problem: 'The key that opens this database\'s secrets is not reachable now: the system keyring cannot be reached (no D-Bus session bus).',
  };
  const page = await app.open([profile(1, 'Alpha')], { key });
  const banner = page.getByTestId('key-problem');
  await banner.waitFor();
  assert.match(await banner.innerText(), /Secrets are locked/);
  await page.getByTestId('profile-row').first().waitFor();
  await banner.getByRole('button', { name: 'Details' }).click();
  assert.match(await banner.innerText(), /no D-Bus session bus/);
  await banner.getByRole('button', { name: 'Import a key backup…' }).click();
  await page.getByTestId('toast').waitFor();
  assert.match(await page.getByTestId('toast').innerText(), /opens this database again/);
  assert.equal(await page.getByTestId('key-problem').count(), 0, 'the banner goes once the key is back');
  assert.equal((await calls(page, 'key_import')).length, 1);
  await page.context().close();
});

test('a key kept in a file can be backed up and moved to the keyring from the banner', async () => {
  const page = await app.open([]);
  const banner = page.getByTestId('key-banner');
  await banner.waitFor();
  await banner.getByRole('button', { name: 'Back up the key…' }).click();
  await page.getByTestId('toast').waitFor();
  assert.match(await page.getByTestId('toast').innerText(), /Saved a backup of the key/);
  await banner.getByRole('button', { name: 'Move it to the keyring' }).click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=key-banner]'));
  assert.deepEqual((await calls(page, 'key_move'))[0].args, { to: 'keyring' });
  await page.context().close();
});

test('a long list renders only what is in view, and scrolls to the rest', async () => {
  const many = Array.from({ length: 2000 }, (_, i) => profile(i + 1, `Profile ${String(i).padStart(4, '0')}`));
  const page = await app.open(many);
  await page.getByTestId('profile-row').first().waitFor();
  const rendered = await page.getByTestId('profile-row').count();
  assert.ok(rendered > 5 && rendered < 60, `a screenful of rows, not 2000: ${rendered}`);
  assert.match(await page.locator('.count').innerText(), /2000 of 2000/);
  await page.locator('.rows').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.locator('[data-testid=profile-row][data-name="Profile 1999"]').waitFor();
  assert.ok((await page.getByTestId('profile-row').count()) < 60);
  await page.locator('[data-testid=profile-row][data-name="Profile 1999"]').click();
  await page.getByRole('heading', { name: 'Profile 1999' }).waitFor();
  await page.context().close();
});

test('a database with profiles never flashes the empty state while the core answers', async () => {
  const page = await app.open([profile(1, 'Alpha')], { listDelay: 400 });
  await page.evaluate(() => {
    window.__SAW_EMPTY__ = false;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid=empty-state]')) window.__SAW_EMPTY__ = true;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await page.getByTestId('profile-row').first().waitFor();
  assert.equal(await page.evaluate(() => window.__SAW_EMPTY__ || !!document.querySelector('[data-testid=empty-state]')), false);
  await page.context().close();
});

test('the window is shown once the list or the empty state is drawn, not before', async () => {
  for (const [seed, drawn] of [[[profile(1, 'Alpha')], 'profile-row'], [[], 'empty-state']]) {
    const page = await app.open(seed, { listDelay: 400 });
    await page.getByTestId(drawn).first().waitFor();
    await page.waitForFunction(() => window.__BACKEND__.calls.some((c) => c.cmd === 'window_ready'));
    assert.equal(await page.evaluate(() => window.__BACKEND__.readyWith), drawn);
    assert.equal((await calls(page, 'window_ready')).length, 1, 'once');
    await page.context().close();
  }
});

test('a secret without an expiry date asks for it under a neutral badge, and the action opens the Secrets section', async () => {
  const page = await app.open([profile(1, 'P1')], {
    attention: [{ profileId: 1, profileName: 'P1', kind: 'secret', state: 'unknown', daysLeft: null, title: 'Client secret expiry unknown', detail: 'Paste its row from Certificates & secrets.', action: 'secretExpiry', item: 'secret-unknown:1:-' }],
  });
  const item = page.getByTestId('attention-item').first();
  await item.waitFor();
  assert.match(await item.innerText(), /expiry unknown/);
  // Unknown is not soon: its own words, in the neutral colours, not the amber of "Soon".
  const badge = item.locator('.pill.state');
  assert.equal(await badge.innerText(), 'Date unknown');
  const colours = await page.evaluate(() => {
    const probe = (cls) => {
      const e = document.createElement('span');
      e.className = cls;
      document.body.append(e);
      const c = getComputedStyle(e).backgroundColor;
      e.remove();
      return c;
    };
    return { soon: probe('pill state soon'), muted: probe('pill muted') };
  });
  const unknown = await badge.evaluate((e) => getComputedStyle(e).backgroundColor);
  assert.notEqual(unknown, colours.soon, 'not the amber of Soon');
  assert.equal(unknown, colours.muted, 'the neutral badge');
  await item.getByRole('button', { name: 'Record expiry' }).click();
  await page.getByTestId('secrets').waitFor();
  const inView = await page.getByTestId('secrets').evaluate((e) => e.getBoundingClientRect().top < window.innerHeight);
  assert.ok(inView, 'the Secrets section is scrolled into view');
  await page.context().close();
});

test('a failed background check is shown, not reported as nothing to do', async () => {
  const page = await app.open([profile(1, 'Alpha')], { watchFailure: 'The keep-alive could not run: the database is locked' });
  await page.getByTestId('watch-failure').waitFor();
  assert.match(await page.getByTestId('watch-failure').innerText(), /keep-alive could not run/);
  assert.equal(await page.getByTestId('attention-ok').count(), 0);
  await page.context().close();
});

test('the relay is a pane: start it; the queue a table with the held message\'s fix as a button; devices; settings saved while running offer Restart beside Save', async () => {
  // As the core says it: the held message is an attention item too.
  const held = {
    profileId: 1, profileName: 'Invent ERP', kind: 'relay', state: 'urgent', daysLeft: null, title: '1 message held by the relay',
    detail: 'The sign-in has expired. Fix it, then retry them from the relay\'s queue.', action: 'relayQueue', item: 'relay-held:1',
  };
  const page = await app.open([profile(1, 'Invent ERP', { authMethod: 'auth-code', sendMethod: 'smtp' })], { attention: [held] });
  await page.getByRole('button', { name: 'Relay for printers and old apps' }).click();
  const pane = page.getByTestId('relay');
  await pane.getByTestId('relay-state').waitFor();
  assert.equal(await page.locator('[role=dialog]').count(), 0, 'a pane, not a modal');
  assert.equal(await pane.getByTestId('relay-state').innerText(), 'Stopped');
  assert.deepEqual(await primaries(pane), ['Start'], 'one primary action: Start');
  await pane.getByRole('button', { name: 'Start' }).click();
  await pane.getByTestId('relay-state').getByText('Listening').waitFor();
  assert.equal(await pane.getByTestId('relay-state-note').innerText(), 'The relay is listening.', 'the result beside its button');
  assert.match(await pane.innerText(), /Certificate SHA-256 AB:CD:EF/);

  // The queue: one row a person scans, its held message's fix a button.
  assert.match(await pane.getByRole('tab', { name: /Queue \(1\)/ }).innerText(), /1 held/);
  const row = pane.getByTestId('queue-row');
  const cells = await row.locator('td').allInnerTexts();
  assert.equal(cells[1].split('\n')[0], 'scanner-2f');
  assert.equal(cells[2].replace(/\s+/g, ' '), 'scan@printer.lan → ops@contoso.com');
  assert.equal(cells[3], 'Scan from MFP-2F');
  assert.equal(cells[4], '200.0 KB');
  assert.equal(cells[5], 'Held');
  assert.ok(!(await pane.innerText()).includes('message(s)'));
  assert.equal(await pane.getByTestId('diagnosis').getAttribute('data-code'), 'aadsts70008');
  await page.screenshot({ path: join(shots, 'ui-relay.png') });
  await row.getByRole('button', { name: 'Retry now' }).click();
  await pane.getByTestId('queue-note').getByText('Trying again within seconds.').waitFor();
  await pane.getByTestId('diagnosis').waitFor({ state: 'detached' });
  await row.getByRole('button', { name: 'Delete' }).click();
  await pane.getByTestId('relay-deleted').getByText(/will not be sent/).waitFor();
  await pane.getByTestId('relay-queue-empty').waitFor();

  // Devices: added with the password only on the clipboard, said beside Add.
  await pane.getByRole('tab', { name: /Devices/ }).click();
  await pane.getByLabel('New device').fill('bad name!');
  await pane.getByRole('button', { name: 'Add device' }).click();
  await pane.getByTestId('error-deviceName').waitFor();
  await pane.getByLabel('New device').fill('scanner-2f');
  assert.deepEqual(await primaries(pane), ['Add device'], 'the form being typed holds the one primary action');
  await pane.getByLabel('From addresses (optional)').fill('192.168.1.20');
  await pane.getByRole('button', { name: 'Add device' }).click();
  assert.match(await pane.getByTestId('relay-note').innerText(), /password is on the clipboard/);
  assert.deepEqual((await calls(page, 'relay_device_add')).at(-1).args.draft.allowed, ['192.168.1.20']);
  assert.match(await pane.getByTestId('relay-devices').innerText(), /scanner-2f\s+Invent ERP\s+password/);
  assert.equal(await pane.getByTestId('relay-incoming').count(), 0, 'a device that only sends gets no incoming settings');
  // A help desk that also fetches its profile's mailbox (POP3): the settings to type, as the core says them.
  await pane.getByLabel('New device').fill('helpdesk');
  await pane.getByTestId('device-pop3').check();
  await pane.getByLabel('When it deletes a message').selectOption('read');
  await pane.getByRole('button', { name: 'Add device' }).click();
  const incoming = await pane.getByTestId('relay-incoming').innerText();
  assert.match(incoming, /POP3\s+127\.0\.0\.1\s+1110\s+None\s+helpdesk/);
  assert.match(incoming, /this computer only/);
  assert.deepEqual((await calls(page, 'relay_device_add')).at(-1).args.draft.mailbox, { pop3: true, imap: false, onDelete: 'read', newest: 500 });
  assert.match(await pane.getByTestId('relay-devices').innerText(), /helpdesk\s+Invent ERP\s+password, reads its mailbox \(POP3\)/);
  // A ticket system that reads over IMAP: its settings, and the relay pane's word on its mailbox.
  await pane.getByLabel('New device').fill('tickets');
  await pane.getByTestId('device-pop3').uncheck();
  await pane.getByTestId('device-imap').check();
  await pane.getByRole('button', { name: 'Add device' }).click();
  assert.match(await pane.getByTestId('relay-incoming').innerText(), /IMAP\s+127\.0\.0\.1\s+1143\s+None\s+tickets/);
  assert.equal((await calls(page, 'relay_device_add')).at(-1).args.draft.mailbox.imap, true);
  assert.match(await pane.getByTestId('relay-devices').innerText(), /tickets\s+Invent ERP\s+password, reads its mailbox \(IMAP\)/);
  await page.evaluate(() => {
    const r = window.__BACKEND__.relay;
    r.inboundListen = ['IMAP 127.0.0.1:1143'];
    r.mailboxes = [{ profile: 'Invent ERP', device: 'tickets', protocol: 'IMAP', lastFetch: '2026-12-02T12:00:00Z', messages: null,
      failure: 'The IMAP server refused the sign-in: 127.0.0.1:993 answered NO', failedAt: '2026-12-02T12:05:00Z' }];
  });
  await page.waitForFunction(() => document.querySelector('[data-testid=relay-mailboxes]'));
  assert.match(await pane.getByTestId('relay-mailboxes').innerText(), /“Invent ERP”: tickets cannot read it over IMAP .*refused the sign-in/);
  assert.match(await pane.getByTestId('relay-listen').innerText(), /IMAP 127\.0\.0\.1:1143/);

  // Settings: numbers shown with their separators, typed with or without;
  // Save only when something changed, saying why it waits.
  await pane.getByRole('tab', { name: 'Settings' }).click();
  const save = pane.getByRole('button', { name: 'Save relay settings' });
  assert.ok(await save.isDisabled());
  assert.deepEqual(await unexplained(pane), []);
  assert.equal(await save.getAttribute('title'), 'Nothing changed since the last save');
  const perDay = pane.getByLabel('Recipients a day per Microsoft mailbox');
  assert.equal(await perDay.inputValue(), '10,000');
  await perDay.fill('ten thousand');
  assert.equal(await pane.getByTestId('error-relayRecipientsPerDay').innerText(), 'Type a whole number, e.g. 10,000.');
  await save.click();
  assert.equal(await pane.locator('.form-error[role=alert]').innerText(), 'Correct the numbers marked above first.');
  assert.equal((await calls(page, 'save_settings')).length, 0, 'nothing half-saved');
  await perDay.fill('12500');
  await perDay.blur();
  assert.equal(await perDay.inputValue(), '12,500');
  assert.equal(await pane.getByTestId('error-relayRecipientsPerDay').count(), 0);
  // Settings saved while it runs: Restart, beside Save, takes them up.
  await pane.getByLabel('Largest message (MB)').fill('20');
  await pane.getByLabel('POP3 on (optional)').fill('127.0.0.1:1110');
  assert.deepEqual(await primaries(pane), ['Save relay settings'], 'the changed form\'s Save is the one primary');
  await save.click();
  assert.equal((await calls(page, 'save_settings')).at(-1).args.form.settings.relay.microsoftRecipientsPerDay, 12500);
  assert.equal((await calls(page, 'save_settings')).at(-1).args.form.settings.relay.pop3Listen, '127.0.0.1:1110');
  await pane.getByTestId('relay-restart-needed').waitFor();
  await pane.getByTestId('relay-settings-restart').click();
  await pane.getByTestId('relay-restart-needed').waitFor({ state: 'detached' });
  assert.equal((await calls(page, 'relay_restart')).length, 1);
  assert.equal(await pane.getByTestId('relay-settings-note').innerText(), 'Restarted with the saved settings.');

  await pane.getByRole('button', { name: 'Close the relay' }).click();
  await pane.waitFor({ state: 'detached' });
  await page.context().close();
});

test('a held message\'s Reconnect opens its profile at the sign-in', async () => {
  const page = await app.open([profile(1, 'Invent ERP', { authMethod: 'auth-code', sendMethod: 'smtp' })]);
  await page.getByRole('button', { name: 'Relay for printers and old apps' }).click();
  const pane = page.getByTestId('relay');
  await pane.getByTestId('diagnosis').getByRole('button', { name: 'Reconnect' }).click();
  await pane.waitFor({ state: 'detached' });
  await page.getByTestId('connection').waitFor();
  assert.equal(await page.getByTestId('step-signIn').getAttribute('aria-selected'), 'true');
  await page.context().close();
});

test('About shows the version, the build commit and the licence; Escape closes it', async () => {
  const page = await app.open([profile(1, 'Invent ERP')]);
  await page.getByRole('button', { name: 'About Mailwarden' }).click();
  const dialog = page.getByTestId('about');
  await dialog.getByTestId('about-commit').waitFor();
  assert.equal(await dialog.getByTestId('about-version').innerText(), '0.1.0');
  assert.equal(await dialog.getByTestId('about-commit').innerText(), '0123456789ab');
  assert.match(await dialog.innerText(), /MIT OR Apache-2\.0/);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await page.context().close();
});

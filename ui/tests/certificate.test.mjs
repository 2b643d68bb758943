// The certificate panel in real Chromium with a fake IPC backend: made
// here, brought in from a PEM or PFX file (the passphrase's error beside its
// field), handed over as a PFX under a passphrase typed twice, rotated by the
// app or — when Graph refuses the app — by an administrator signed in on
// the spot. The private key never reaches the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { calls, primaries, profile, shots, suite, unexplained } from './harness.mjs';

const app = suite();

test('an app-only profile makes its certificate in the Sign in step: thumbprint, validity, the .cer saved for the portal; no key in the page', async () => {
  const page = await app.open([profile(1, 'Catalyst')]);
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-signIn').click();
  const panel = page.getByTestId('certificate');
  await panel.getByTestId('certificate-none').waitFor();
  assert.match(await panel.innerText(), /Microsoft recommends a certificate/);
  await panel.getByLabel('Valid for (days)').fill('2,000');
  assert.match(await panel.innerText(), /From 1 to 1,095/);
  assert.ok(await panel.getByRole('button', { name: 'Make a certificate' }).isDisabled());
  await panel.getByLabel('Valid for (days)').fill('730');
  await panel.getByRole('button', { name: 'Make a certificate' }).click();
  await panel.getByTestId('certificate-thumbprint').waitFor();
  assert.deepEqual((await calls(page, 'certificate_create')).map((c) => c.args), [{ id: 1, days: 730 }]);
  assert.equal(await panel.getByTestId('certificate-subject').innerText(), 'CN=Mailwarden Catalyst');
  assert.equal(await panel.getByTestId('certificate-valid').innerText(), '2026-12-07 to 2028-12-06');
  assert.match(await page.getByTestId('connection').innerText(), /token with the certificate/);
  assert.deepEqual(await primaries(page.locator('.editor')), ['Save the public certificate (.cer)…']);
  await panel.getByRole('button', { name: /Save the public certificate/ }).click();
  assert.match(await panel.getByTestId('certificate-saved').innerText(), /Saved to \/home\/me\/Catalyst\.cer/);
  assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'no key in the page');
  await page.screenshot({ path: join(shots, 'ui-certificate.png') });
  await panel.getByRole('button', { name: 'Remove…' }).click();
  await page.getByTestId('confirm-ok').click();
  await panel.getByTestId('certificate-none').waitFor();
  assert.equal((await calls(page, 'certificate_remove')).length, 1);
  await page.context().close();
});

test('a PEM or PFX file is brought in; a PFX without its passphrase is refused beside the passphrase field', async () => {
  const page = await app.open([profile(1, 'Catalyst')]);
  await page.evaluate(() => (window.__BACKEND__.pick = 'pfx'));
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-signIn').click();
  const panel = page.getByTestId('certificate');
  await panel.getByTestId('certificate-none').waitFor();
  await panel.getByText('Or bring in a certificate file (PEM or PFX)').click();
  await panel.getByRole('button', { name: 'Choose the file…' }).click();
  const error = panel.locator('#certificatePassphrase-error');
  assert.match(await error.innerText(), /This is a PFX \(PKCS#12\) file: type the passphrase/);
  assert.equal(await panel.getByLabel('PFX passphrase').getAttribute('aria-invalid'), 'true');
  await panel.getByLabel('PFX passphrase').fill('wrong one');
  await panel.getByRole('button', { name: 'Choose the file…' }).click();
  await page.waitForFunction(() => document.querySelector('#certificatePassphrase-error')?.textContent?.includes('does not open'));
  await panel.getByLabel('PFX passphrase').fill('correct horse');
  await panel.getByRole('button', { name: 'Choose the file…' }).click();
  await panel.getByTestId('certificate-thumbprint').waitFor();
  assert.equal(await panel.getByTestId('certificate-subject').innerText(), 'CN=mail.contoso.com');
  assert.deepEqual((await calls(page, 'certificate_import')).map((c) => c.args.passphrase), [null, 'wrong one', 'correct horse']);
  // Brought in, it may already be in Entra: saving the .cer is offered, not pressed on.
  assert.deepEqual(await primaries(page.locator('.editor')), ['Test sign-in']);
  // A PEM file needs no passphrase; it replaces the certificate held.
  await page.evaluate(() => (window.__BACKEND__.pick = 'pem'));
  await panel.getByText('Replace it with a certificate file (PEM or PFX)').click();
  await panel.getByRole('button', { name: 'Choose the file…' }).click();
  await page.waitForFunction(() => window.__BACKEND__.calls.filter((c) => c.cmd === 'certificate_import').length === 4);
  assert.equal((await calls(page, 'certificate_import'))[3].args.passphrase, null);
  assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'no key in the page');
  assert.deepEqual(await unexplained(panel), []);
  await page.context().close();
});

test('the PFX hand-over asks a passphrase of 8 or more characters twice, and says where the file went', async () => {
  const page = await app.open([profile(1, 'Catalyst', { hasCertificate: true })]);
  await page.evaluate(() => {
    window.__BACKEND__.certificates = { 1: { thumbprint: '6D340EE9BC3A8589BD5FB163DCFF99467FD71614', thumbprintSha256: 'AB'.repeat(32),
      subject: 'CN=Mailwarden Catalyst', notBefore: '2026-12-07T09:59:00Z', notAfter: '2027-12-07T10:00:00Z', keyBits: 2048 } };
  });
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-signIn').click();
  const panel = page.getByTestId('certificate');
  await panel.getByTestId('certificate-export-open').click();
  const form = panel.getByTestId('certificate-export');
  const save = form.getByRole('button', { name: 'Save the PFX…' });
  await form.getByLabel('Passphrase', { exact: true }).fill('short');
  assert.ok(await save.isDisabled());
  assert.equal(await save.getAttribute('title'), 'The passphrase must be at least 8 characters');
  await form.getByLabel('Passphrase', { exact: true }).fill('long enough passphrase');
  await form.getByLabel('Passphrase again').fill('long enough passphrasE');
  assert.equal(await save.getAttribute('title'), 'The two passphrases differ');
  assert.deepEqual(await unexplained(panel), []);
  await form.getByLabel('Passphrase again').fill('long enough passphrase');
  await save.click();
  assert.match(await panel.getByTestId('certificate-exported').innerText(), /Saved to \/home\/me\/Catalyst\.pfx \(recorded as a hand-over\)/);
  assert.deepEqual((await calls(page, 'certificate_export_pfx')).map((c) => c.args), [{ id: 1, passphrase: 'long enough passphrase' }]);
  assert.ok(!(await page.content()).includes('long enough passphrase'), 'the passphrase is not left in the page');
  await page.context().close();
});

test('when Graph will not let the app rotate its certificate, an administrator signs in and rotates it from the card', async () => {
  const page = await app.open([profile(1, 'Catalyst', { hasCertificate: true })]);
  await page.evaluate(() => {
    window.__BACKEND__.rotateDenied = true;
    window.__BACKEND__.certificates = { 1: { thumbprint: '6D340EE9BC3A8589BD5FB163DCFF99467FD71614', thumbprintSha256: 'AB'.repeat(32),
      subject: 'CN=Mailwarden Catalyst', notBefore: '2026-12-07T09:59:00Z', notAfter: '2027-12-07T10:00:00Z', keyBits: 2048 } };
  });
  await page.getByTestId('profile-row').click();
  await page.getByTestId('step-signIn').click();
  const panel = page.getByTestId('certificate');
  await panel.getByTestId('certificate-rotate').click();
  await panel.getByTestId('diagnosis').waitFor();
  assert.match(await panel.getByTestId('diagnosis').innerText(), /would not let the app add the certificate/);
  assert.deepEqual(await primaries(page.locator('.editor')), ['Rotate as an administrator…']);
  await page.screenshot({ path: join(shots, 'ui-certificate-admin.png') });
  await panel.getByRole('button', { name: 'Rotate as an administrator…' }).click();
  await panel.getByTestId('certificate-rotated').waitFor();
  assert.match(await panel.getByTestId('certificate-rotated').innerText(), /Rotated by admin@contoso\.com/);
  assert.equal(await panel.getByTestId('certificate-thumbprint').innerText(), 'F00D'.repeat(10));
  assert.deepEqual((await calls(page, 'certificate_rotate')).map((c) => c.args.asAdmin), [false, true]);
  assert.equal((await calls(page, 'registration_sign_in')).length, 1);
  await page.context().close();
});

test('a new app-only profile with its client ID takes a certificate made with its save instead of a secret', async () => {
  const page = await app.open([]);
  await page.keyboard.press('Control+n');
  await page.getByLabel('Sign-in method').selectOption('client-credentials');
  const choice = page.getByTestId('credential-choice');
  await choice.waitFor();
  assert.ok(await page.getByLabel('Client secret (Value)').isVisible());
  await choice.getByLabel(/A certificate, made when you save/).check();
  await page.getByTestId('certificate-on-save').waitFor();
  assert.equal(await page.getByLabel('Client secret (Value)').count(), 0, 'no secret asked for');
  await page.getByLabel('Name').fill('Scanner');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForFunction(() => window.__BACKEND__.calls.some((c) => c.cmd === 'save_profile'));
  const saved = (await calls(page, 'save_profile'))[0].args.draft;
  assert.deepEqual(saved.certificate, { action: 'create', days: 365 });
  assert.equal(saved.clientSecret.action, 'keep');
  await page.context().close();
});

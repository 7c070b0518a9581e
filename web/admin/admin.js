// The admin page: a thin client of the REST API (docs/API.md). The session cookie is HttpOnly;
// the CSRF token lives only in this page's memory.
'use strict';
let csrf = '';
const $ = (id) => document.getElementById(id);

function say(text, isError) {
  $('message').textContent = text;
  $('message').className = isError ? 'error' : '';
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const response = await fetch('/api/v1' + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function cell(row, text) {
  const td = row.insertCell();
  td.textContent = text;
  return td;
}

function editor(setting) {
  if (setting.choices || setting.default === 'true' || setting.default === 'false') {
    const select = document.createElement('select');
    for (const choice of setting.choices || ['false', 'true']) select.add(new Option(choice, choice));
    select.value = setting.value;
    return select;
  }
  const input = document.createElement('input');
  input.value = setting.value;
  input.size = 12;
  return input;
}

async function showSettings() {
  const data = await api('GET', '/settings');
  $('platform').textContent = 'Platform: ' + data.platform;
  const body = $('settings').tBodies[0];
  body.replaceChildren();
  for (const setting of data.settings) {
    const row = body.insertRow();
    cell(row, setting.key).title = setting.description;
    const field = editor(setting);
    row.insertCell().append(field);
    cell(row, setting.default);
    cell(row, setting.enforced ? 'hosted: ' + setting.enforced_minimum : '');
    const save = document.createElement('button');
    save.textContent = 'Save';
    save.addEventListener('click', async () => {
      try {
        await api('PUT', '/settings/' + encodeURIComponent(setting.key), { value: field.value });
        say(setting.key + ' saved; the server applies it within 2 s.');
        await showSettings();
      } catch (e) { say(e.message, true); }
    });
    row.insertCell().append(save);
  }
}

async function showCertificates() {
  const data = await api('GET', '/certificate');
  const box = $('certificates');
  box.replaceChildren();
  for (const c of data.certificates) {
    const list = document.createElement('dl');
    for (const [name, value] of [['Source', c.source], ['Subject', c.subject],
      ['SANs', c.subject_alt_names.join(', ')], ['Issuer', c.issuer], ['Serial', c.serial],
      ['Valid', c.not_before + ' to ' + c.not_after], ['Key', c.key_type],
      ['SHA-256', c.sha256_fingerprint]]) {
      const dt = document.createElement('dt'); dt.textContent = name;
      const dd = document.createElement('dd'); dd.textContent = value;
      list.append(dt, dd);
    }
    box.append(list);
  }
}

async function enter() {
  $('login').hidden = true;
  $('admin').hidden = false;
  $('logout').hidden = false;
  await showSettings();
  await showCertificates();
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  try {
    const data = await api('POST', '/login',
      { username: form.get('username'), password: form.get('password') });
    csrf = data.csrf_token;
    say('');
    await enter();
  } catch (e) { say(e.message, true); }
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/logout').catch(() => {});
  location.reload();
});

if (location.protocol !== 'https:') {
  say('The admin interface works over HTTPS only: open this page with https://.', true);
} else {
  $('login').hidden = false;
}

// Nightmare web page: plain modern JS (an ES module), no build step, no dependency. It talks to the
// same /v1 API as any client. The key travels only as a Bearer header (never in a URL), so round
// images and the event stream are fetched, not linked. Fields of the API that are newer than this
// page (model descriptions, good layers, presets, SSE ids, an ETA) are used when present and
// nothing breaks when they are not.
import { zip } from './zip.js';

const $ = (id) => document.getElementById(id);
const KEY = 'nightmare.apiKey';
const FORM = 'nightmare.form';
const FINAL = new Set(['succeeded', 'failed', 'canceled']);
const JOB_HASH = /^#job=([0-9a-f]{32})$/;

/** The form's options: element id = option name. Integers have a lower bound. */
const INTEGERS = { layer: 0, rounds: 1, iters: 1, range: 1, octaves: 1, maxSide: 1 };
const NUMBERS = ['rate', 'thresh', 'zoom', 'rotate', 'momentum'];
const CHOICES = ['rng', 'format', 'bnGradient'];
const FLAGS = ['norm', 'reconstruct', 'animate'];
const DEFAULTS = {
  rounds: '4', iters: '10', range: '1', octaves: '4', rate: '0.04', thresh: '1', zoom: '1', rotate: '0',
  seed: '', rng: 'seeded', format: 'jpg', maxSide: '', norm: true, reconstruct: false, momentum: '0.9',
  animate: false, bnGradient: 'darknet',
};
const ADVANCED = ['range', 'octaves', 'rate', 'thresh', 'zoom', 'rotate', 'seed', 'rng', 'format', 'maxSide',
  'norm', 'reconstruct', 'momentum', 'animate', 'bnGradient'];
/** The ids of everything a problem's field may name: option names, and image, model, preset, the key. */
const FIELDS = new Set(['apiKey', 'image', 'model', 'preset', ...Object.keys(INTEGERS), ...NUMBERS, 'seed', ...CHOICES, ...FLAGS]);
const INT_MAX = 2147483647;
const SEED_MIN = -(2n ** 63n);
const SEED_MAX = 2n ** 63n - 1n;

const S = {
  key: '',
  models: [],
  modelsAbort: null,
  file: null,
  fileUrl: null,
  preset: null,
  idempotencyKey: null,
  submitting: false,
  cooling: false,
  job: null,
  follow: null,
  rounds: new Map(),
  selected: null,
  view: 'side',
  inputs: new Map(),
  eta: null,
  etaTimer: 0,
  historyNext: null,
  thumbs: new Map(),
  saved: {},
  video: null,
};

// ---- small helpers ------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  node.append(...children.filter((c) => c != null));
  return node;
}

function icon(name) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS('http://www.w3.org/2000/svg', 'use');
  use.setAttribute('href', '#i-' + name);
  svg.append(use);
  return svg;
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const t = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
});

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min' + (s % 60 ? ' ' + (s % 60) + ' s' : '');
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
}

function ago(iso) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = Math.round((Date.now() - t) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(t).toLocaleDateString();
}

/** Random hex, also where crypto.randomUUID is missing (plain http on a LAN address). */
function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return 'page-' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * JSON whose seeds keep every digit: seeds are 64-bit and a JS number holds 53 bits, so
 * "seed": 8406311170423489821 is read as the string "8406311170423489821".
 */
function parseJson(text) {
  return JSON.parse(text.replace(/("seed"\s*:\s*)(-?\d+)/g, '$1"$2"'));
}

// ---- the API --------------------------------------------------------------------------------

function auth() {
  return { Authorization: 'Bearer ' + S.key };
}

/** fetch with the key; the answer's JSON body (if any) is read. Network failures throw. */
async function api(path, { method = 'GET', body, headers = {}, signal } = {}) {
  const response = await fetch(path, { method, body, signal, headers: { ...auth(), ...headers } });
  let data = null;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try { data = parseJson(await response.text()); } catch { data = null; }
  }
  return { ok: response.ok, status: response.status, headers: response.headers, body: data };
}

/** The error body of an answer in either of the API's shapes ({title, errors} or {message, problems}). */
function problemsOf(answer) {
  const b = answer.body && typeof answer.body === 'object' ? answer.body : {};
  const list = b.errors || b.problems || [];
  return {
    title: b.title || b.message || b.detail || '',
    list: (Array.isArray(list) ? list : []).map((p) => ({
      field: p.field || p.name || '',
      message: friendly(p.message || p.detail || p.title || ''),
    })),
  };
}

/** Messages written for API clients, reworded where they name the API instead of the page. */
function friendly(message) {
  const text = String(message).replace(/;?\s*list the models with GET \/v1\/models/i, '; pick one from the list');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function retryAfter(answer) {
  const s = Number(answer.headers?.get('Retry-After'));
  return Number.isFinite(s) && s > 0 ? ' Try again in ' + duration(s * 1000) + '.' : ' Try again in a moment.';
}

// ---- errors next to their fields ------------------------------------------------------------

function clearError(id) {
  const input = $(id);
  const error = $(id + '-error');
  if (error) { error.hidden = true; error.textContent = ''; }
  input?.removeAttribute('aria-invalid');
}

function clearErrors() {
  document.querySelectorAll('.error').forEach((e) => {
    e.hidden = true;
    e.textContent = '';
  });
  document.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  banner('form-error', null);
}

/** A notice about the shown job (or the one that could not be opened). */
function note(text) {
  banner('job-note', text);
}

function banner(id, text) {
  const node = $(id);
  node.textContent = text || '';
  node.hidden = !text;
}

/**
 * Puts each problem next to its field (opening "More options" when the field is in it) and
 * focuses the first; problems without a field of the page go to the form's banner.
 */
function showProblems(problems, title, { focus = true } = {}) {
  let first = null;
  const elsewhere = [];
  for (const p of problems) {
    // animate.fps and its siblings belong to the one checkbox that sets animate.
    const id = p.field === 'Authorization' ? 'apiKey' : p.field?.startsWith('animate.') ? 'animate' : p.field;
    const input = FIELDS.has(id) ? $(id) : null;
    const error = FIELDS.has(id) ? $(id + '-error') : null;
    if (!input || !error) { elsewhere.push(p); continue; }
    error.textContent = error.hidden ? p.message : error.textContent + ' ' + p.message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    const details = input.closest('details');
    if (details) details.open = true;
    first = input;
  }
  if (elsewhere.length || (!problems.length && title)) {
    const lines = elsewhere.map((p) => (p.field ? p.field + ': ' : '') + p.message);
    banner('form-error', [title, ...lines].filter(Boolean).join(' · '));
    first = first || $('form-error');
  }
  if (focus && first) {
    // The first field in the page's order; a group (the presets) through its first control.
    const invalid = document.querySelector('[aria-invalid="true"]') || first;
    const target = invalid.matches('input, select, textarea, button, [tabindex]') ? invalid
      : invalid.querySelector('button, input, select') || invalid;
    target.focus();
  }
}

/** An answer that is not a success, shown where it belongs. */
function showFailure(answer, what) {
  const { title, list } = problemsOf(answer);
  if (answer.status === 401) {
    keyRejected();
    return;
  }
  if (answer.status === 413 && !list.length) {
    showProblems([{ field: 'image', message: 'The image is too large for the gateway; pick a smaller file.' }]);
    return;
  }
  if (answer.status === 429) {
    showProblems([], (title || 'Too many jobs at once.') + retryAfter(answer));
    return;
  }
  if (answer.status >= 500) {
    showProblems([], (title || 'The service is unavailable (' + answer.status + ').') + retryAfter(answer));
    return;
  }
  showProblems(list, list.length ? '' : title || what + ' failed (HTTP ' + answer.status + ').');
}

// ---- the API key ----------------------------------------------------------------------------

function initKey() {
  const remembered = localStorage.getItem(KEY);
  S.key = sessionStorage.getItem(KEY) || remembered || '';
  $('apiKey').value = S.key;
  $('rememberKey').checked = !!remembered;
  let timer = 0;
  $('apiKey').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(keyChanged, 350);
  });
  $('apiKey').addEventListener('change', keyChanged);
  $('apiKey').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); keyChanged(); }
  });
  $('rememberKey').addEventListener('change', storeKey);
  $('showKey').addEventListener('click', () => {
    const shown = $('apiKey').type === 'text';
    $('apiKey').type = shown ? 'password' : 'text';
    $('showKey').setAttribute('aria-pressed', String(!shown));
  });
}

/** The key lives in this tab (sessionStorage) unless the user ticks "Remember" (localStorage). */
function storeKey() {
  if (S.key) sessionStorage.setItem(KEY, S.key);
  else sessionStorage.removeItem(KEY);
  if ($('rememberKey').checked && S.key) localStorage.setItem(KEY, S.key);
  else localStorage.removeItem(KEY);
  keyStatus(S.models.length ? 'ok' : '', S.models.length ? connected() : keptWhere());
}

function keptWhere() {
  const where = $('rememberKey').checked ? 'Remembered on this device.' : 'Kept for this tab only.';
  return S.key ? where : 'Paste your key: the models load at once. ' + where;
}

function connected() {
  const n = S.models.length;
  const where = $('rememberKey').checked ? 'remembered on this device' : 'kept for this tab only';
  return 'Key accepted · ' + n + (n === 1 ? ' model' : ' models') + ' · ' + where + '.';
}

function keyStatus(state, text) {
  const node = $('apiKey-status');
  node.dataset.state = state;
  node.textContent = text;
}

function keyChanged() {
  const key = $('apiKey').value.trim();
  if (key === S.key && (S.models.length || S.modelsAbort)) return;
  if (key !== S.key && S.job) {
    // Another key sees other jobs: the one shown (and the history) belonged to the last key.
    stopFollowing();
    resetRounds();
    S.job = null;
    render();
  }
  if (key !== S.key) { $('history').replaceChildren(); $('history-empty').hidden = false; $('moreHistory').hidden = true; }
  S.key = key;
  storeKey();
  clearError('apiKey');
  loadModels();
}

function keyRejected() {
  S.models = [];
  fillModels();
  keyStatus('', keptWhere());
  showProblems([{ field: 'apiKey', message: 'The gateway does not accept this key. Check it, or ask the operator for one.' }]);
}

// ---- models, layers, presets ----------------------------------------------------------------

async function loadModels() {
  S.modelsAbort?.abort();
  if (!S.key) {
    S.models = [];
    fillModels();
    keyStatus('', keptWhere());
    return;
  }
  const abort = new AbortController();
  S.modelsAbort = abort;
  keyStatus('busy', 'Checking the key…');
  let answer;
  try {
    answer = await api('/v1/models', { signal: abort.signal });
  } catch (e) {
    if (abort.signal.aborted) return;
    keyStatus('', 'The gateway cannot be reached; retrying…');
    setTimeout(() => S.modelsAbort === abort && loadModels(), 5000);
    return;
  } finally {
    if (S.modelsAbort === abort) S.modelsAbort = null;
  }
  if (abort.signal.aborted) return;
  if (answer.status === 401) { keyRejected(); return; }
  if (!answer.ok) {
    keyStatus('', 'Models could not be loaded (HTTP ' + answer.status + '); retrying…');
    setTimeout(() => !S.models.length && S.key && loadModels(), 5000);
    return;
  }
  const list = Array.isArray(answer.body) ? answer.body : answer.body?.items || answer.body?.models || [];
  const shared = presetsOf(answer.body?.presets);
  S.models = list.map((m) => modelOf(m, shared)).filter((m) => m.name);
  clearError('apiKey');
  clearError('model');
  keyStatus('ok', connected());
  fillModels();
  loadHistory();
  const wanted = location.hash.match(JOB_HASH);
  if (wanted && S.job?.id !== wanted[1]) openJob(wanted[1]);
}

/** A model as the page uses it, from whatever the API gives (newer fields optional). */
function modelOf(m, sharedPresets) {
  const layers = Array.isArray(m.layers) ? m.layers : [];
  const last = Number.isInteger(m.lastTargetableLayer) ? m.lastTargetableLayer : layers.length - 1;
  const listed = m.recommendedLayers || m.goodLayers || m.suggestedLayers || m.layersWorthDreaming;
  const good = (Array.isArray(listed) ? listed : [])
    .map((g) => (typeof g === 'number' ? { layer: g } : { layer: g.layer ?? g.index, why: g.why || g.description || g.name }))
    .filter((g) => Number.isInteger(g.layer) && g.layer >= 0 && g.layer <= last);
  return {
    name: m.name,
    label: m.displayName || m.title || m.name,
    description: m.description || '',
    synthetic: m.synthetic === true,
    last,
    layers,
    good,
    presets: [...presetsOf(m.presets), ...sharedPresets],
  };
}

/** Presets as a list [{name, label, description, options}] from a list or a name → preset map. */
function presetsOf(raw) {
  if (!raw) return [];
  const entries = Array.isArray(raw) ? raw.map((p) => [p.name, p]) : Object.entries(raw);
  return entries
    .filter(([name]) => typeof name === 'string' && name)
    .map(([name, p]) => {
      const options = p && typeof p === 'object' ? p.options || p.values || p.settings || p : {};
      return { name, label: p?.displayName || p?.label || p?.title || name, description: p?.description || '', options };
    });
}

function currentModel() {
  return S.models.find((m) => m.name === $('model').value);
}

function fillModels() {
  const select = $('model');
  const keep = select.value || S.saved.model;
  if (!S.models.length) {
    select.replaceChildren(new Option(S.key ? 'no models (check the key)' : 'enter your API key first', ''));
    select.disabled = true;
    $('layer').replaceChildren();
    $('layer').disabled = true;
    $('model-card').hidden = true;
    $('preset-field').hidden = true;
    return;
  }
  select.replaceChildren(...S.models.map((m) => new Option(m.label + (m.synthetic ? ' (synthetic)' : ''), m.name)));
  select.disabled = false;
  if (S.models.some((m) => m.name === keep)) select.value = keep;
  modelChanged(true);
}

function layerText(model, i) {
  const layer = model.layers[i] || {};
  const kind = { convolutional: 'conv', maxpool: 'max pool' }[layer.type] || layer.type || layer.kind || '';
  const size = layer.filters ? ' ' + layer.filters + (layer.size ? ' × ' + layer.size + '²' : '') : '';
  const good = model.good.some((g) => g.layer === i) ? '  ★ good' : '';
  return i + (kind ? ' · ' + kind + size : '') + good;
}

function modelChanged(restoring) {
  const model = currentModel();
  if (!model) return;
  const layer = $('layer');
  const previous = restoring ? layer.value || S.saved.layer : undefined;
  const options = [];
  for (let i = 0; i <= model.last; i++) options.push(new Option(layerText(model, i), String(i)));
  layer.replaceChildren(...options);
  layer.disabled = false;
  const fallback = model.good.length ? model.good[0].layer : Math.floor(model.last / 2);
  const wanted = previous != null && Number(previous) <= model.last ? Number(previous) : fallback;
  layer.value = String(wanted);
  renderModelCard(model);
  renderPresets(model);
  if (!restoring) { S.preset = null; formChanged(); }
}

function renderModelCard(model) {
  const desc = $('model-desc');
  desc.replaceChildren();
  if (model.description) desc.append(model.description);
  if (model.synthetic) desc.append(h('span', { class: 'tag', text: 'synthetic weights: patterns, not things' }));
  const good = $('good-layers');
  good.replaceChildren();
  if (model.good.length) {
    good.append('Good layers: ');
    for (const g of model.good) {
      good.append(h('button', {
        type: 'button', class: 'chip', text: String(g.layer), title: g.why || 'use layer ' + g.layer,
        'aria-label': 'Use layer ' + g.layer + (g.why ? ': ' + g.why : ''),
        onclick: () => { $('layer').value = String(g.layer); formChanged(); },
      }));
    }
  }
  good.hidden = !model.good.length;
  $('model-card').hidden = !model.description && !model.synthetic && !model.good.length;
}

function renderPresets(model) {
  const box = $('preset');
  const names = model.presets.map((p) => p.name).join('\n');
  if (box.dataset.names === names) {
    // Same chips: only their state changes (a keyboard user keeps the focus).
    for (const chip of box.children) chip.setAttribute('aria-pressed', String(S.preset === chip.dataset.preset));
    return;
  }
  box.dataset.names = names;
  box.replaceChildren(...model.presets.map((p) => h('button', {
    type: 'button', class: 'chip', text: p.label, title: p.description || null,
    'aria-pressed': String(S.preset === p.name), 'data-preset': p.name,
    onclick: () => choosePreset(p),
  })));
  $('preset-field').hidden = !model.presets.length;
}

/** A preset fills the form with its values (so they can be seen and changed) and is named in the request. */
function choosePreset(preset) {
  S.preset = S.preset === preset.name ? null : preset.name;
  if (S.preset) {
    const { model, layer, ...rest } = preset.options || {};
    setFormValues(rest);
    if (layer != null) $('layer').value = String(layer);
  }
  renderPresets(currentModel());
  formChanged();
}

// ---- the form -------------------------------------------------------------------------------

function setFormValues(values) {
  for (const [name, value] of Object.entries(values)) {
    const input = $(name);
    if (!input || value == null || !(name in DEFAULTS)) continue;
    if (input.type === 'checkbox') input.checked = !!value;
    else input.value = String(value);
  }
  showDegrees();
}

function formValues() {
  const values = { model: $('model').value, layer: $('layer').value, more: $('more').open };
  for (const name of Object.keys(DEFAULTS)) {
    const input = $(name);
    values[name] = input.type === 'checkbox' ? input.checked : input.value;
  }
  return values;
}

function saveForm() {
  try { localStorage.setItem(FORM, JSON.stringify(formValues())); } catch { /* storage full or off */ }
}

function restoreForm() {
  try { S.saved = JSON.parse(localStorage.getItem(FORM) || '{}') || {}; } catch { S.saved = {}; }
  setFormValues({ ...DEFAULTS, ...S.saved });
  $('more').open = !!S.saved.more;
}

function formChanged() {
  S.idempotencyKey = null;
  saveForm();
  renderStart();
}

function showDegrees() {
  const v = Number($('rotate').value);
  $('rotate-degrees').textContent = Number.isFinite(v) ? (v * 180 / Math.PI).toFixed(1).replace(/\.0$/, '') + '°' : '?';
}

function labelOf(id) {
  const label = document.querySelector('label[for="' + id + '"]');
  return (label?.textContent || id).trim();
}

/** The options to send, or the problems found before sending anything. */
function readOptions() {
  const problems = [];
  const options = {};
  if (!S.key) problems.push({ field: 'apiKey', message: 'Enter your API key first: the models load as soon as it is accepted.' });
  if (!S.file) problems.push({ field: 'image', message: 'Choose an image first.' });
  if (!$('model').value) {
    problems.push({ field: 'model', message: S.key ? 'Pick a model (they load once the key is accepted).' : 'The models load once your API key is accepted.' });
  } else {
    options.model = $('model').value;
  }
  for (const [name, min] of Object.entries(INTEGERS)) {
    const input = $(name);
    const raw = input.value.trim();
    if (input.validity.badInput) { problems.push({ field: name, message: labelOf(name) + ' must be a number.' }); continue; }
    if (raw === '') continue;
    const v = Number(raw);
    if (!Number.isFinite(v)) problems.push({ field: name, message: labelOf(name) + ' must be a number.' });
    else if (!Number.isInteger(v)) problems.push({ field: name, message: labelOf(name) + ' must be a whole number; ' + raw + ' is not.' });
    else if (v < min) problems.push({ field: name, message: labelOf(name) + ' must be at least ' + min + '.' });
    else if (v > INT_MAX) problems.push({ field: name, message: labelOf(name) + ' ' + raw + ' is far too large.' });
    else options[name] = v;
  }
  for (const name of NUMBERS) {
    const input = $(name);
    const raw = input.value.trim();
    if (input.validity.badInput) { problems.push({ field: name, message: labelOf(name) + ' must be a number.' }); continue; }
    if (raw === '') continue;
    const v = Number(raw);
    if (!Number.isFinite(v)) problems.push({ field: name, message: labelOf(name) + ' must be a finite number.' });
    else options[name] = v;
  }
  const seed = $('seed').value.trim();
  if (seed !== '') {
    let ok = /^[+-]?\d+$/.test(seed);
    if (ok) { const b = BigInt(seed); ok = b >= SEED_MIN && b <= SEED_MAX; }
    if (ok) options.seed = BigInt(seed).toString();
    else problems.push({ field: 'seed', message: 'Seed must be a whole number (64-bit), or empty for a random one.' });
  }
  for (const name of CHOICES) options[name] = $(name).value;
  for (const name of FLAGS) if (name !== 'animate') options[name] = $(name).checked;
  // The API's option is an object; the page offers its common case, an MP4 at the default rate.
  if ($('animate').checked) options.animate = { format: 'mp4' };
  if (S.preset && currentModel()?.presets.some((p) => p.name === S.preset)) options.preset = S.preset;
  return { options, problems };
}

/** JSON of the options with the seed written as a number with all its digits. */
function optionsJson(options) {
  return JSON.stringify(options).replace(/"seed":"(-?\d+)"/, '"seed":$1');
}

function pick(file) {
  if (!file) return;
  clearError('image');
  S.file = file;
  if (S.fileUrl && ![...S.inputs.values()].some((i) => i.url === S.fileUrl)) URL.revokeObjectURL(S.fileUrl);
  S.fileUrl = URL.createObjectURL(file);
  $('preview').src = S.fileUrl;
  $('preview').alt = 'Chosen picture: ' + file.name;
  $('preview').hidden = false;
  $('preview').onerror = () => {
    // Not refused here: the gateway decides what it can read, and says so next to the field.
    $('preview').hidden = true;
    if (S.file === file) showProblems([{ field: 'image', message: 'This file does not look like a PNG or JPEG picture.' }], '', { focus: false });
  };
  $('drop-text').replaceChildren(file.name + ' · ', h('strong', { text: 'choose another' }));
  formChanged();
  if (!S.job) renderStage();
}

function renderStart() {
  const start = $('start');
  const running = S.job && !FINAL.has(S.job.state);
  start.disabled = S.submitting || S.cooling;
  start.setAttribute('aria-busy', String(S.submitting));
  start.textContent = S.submitting ? 'Starting…' : running ? 'Cancel and start new' : 'Start dreaming';
  start.title = running ? 'Cancels the job shown, then starts a new one with these settings' : '';
}

async function submit(event) {
  event.preventDefault();
  if (S.submitting || S.cooling) return;
  clearErrors();
  const { options, problems } = readOptions();
  if (problems.length) { showProblems(problems); return; }
  S.submitting = true;
  renderStart();
  const previous = S.job && !FINAL.has(S.job.state) ? S.job : null;
  // One key per intended submission: a retry after a lost answer cannot make a second job.
  S.idempotencyKey = S.idempotencyKey || randomKey();
  const body = new FormData();
  body.append('image', S.file, S.file.name);
  body.append('options', optionsJson(options));
  try {
    const answer = await api('/v1/nightmares', { method: 'POST', body, headers: { 'Idempotency-Key': S.idempotencyKey } });
    if (answer.status !== 429 && answer.status < 500) S.idempotencyKey = null;
    if (answer.ok && answer.body?.id) {
      const job = answer.body;
      // The second click of a double click may come after a quick answer: keep Start off a moment.
      S.cooling = true;
      setTimeout(() => { S.cooling = false; renderStart(); }, 700);
      S.inputs.set(job.id, { url: S.fileUrl, name: S.file.name });
      showJob(job);
      revealResult();
      if (previous && previous.id !== job.id) cancelJob(previous.id, { quiet: true });
      loadHistory();
    } else {
      showFailure(answer, 'Starting the job');
    }
  } catch (e) {
    showProblems([], 'The gateway could not be reached (' + e.message + '). Check the connection and press Start again: it will not make a second job.');
  } finally {
    S.submitting = false;
    renderStart();
  }
}

/** On one-column layouts the result is below the form: bring it into view. */
function revealResult() {
  const box = $('result').getBoundingClientRect();
  if (box.top > window.innerHeight * 0.6 || box.bottom < 0) {
    $('result').scrollIntoView({ behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth', block: 'start' });
  }
}

// ---- one job: state, progress, rounds -------------------------------------------------------

function resetRounds() {
  const kept = new Set(S.thumbs.values());
  for (const slot of S.rounds.values()) if (slot.url && !kept.has(slot.url)) URL.revokeObjectURL(slot.url);
  S.rounds.clear();
  S.selected = null;
  $('strip').replaceChildren();
}

function showJob(view) {
  stopFollowing();
  if (S.job?.id !== view.id) resetRounds();
  S.job = { ...view };
  S.eta = null;
  note(null);
  const hash = '#job=' + view.id;
  if (location.hash !== hash) history.replaceState(null, '', hash);
  applyView(view);
  loadInput(view);
  if (!FINAL.has(view.state)) follow(view.id);
  markHistory();
}

async function openJob(id) {
  if (!S.key) return;
  let answer;
  try { answer = await api('/v1/nightmares/' + id); } catch (e) {
    note('The gateway could not be reached to open job ' + id + '.');
    return;
  }
  if (answer.status === 401) { keyRejected(); return; }
  if (answer.status === 404) {
    stopFollowing();
    resetRounds();
    S.job = null;
    render();
    note('There is no job ' + id + ' for this key: it was deleted, has expired, or belongs to another key.');
    history.replaceState(null, '', location.pathname + location.search);
    return;
  }
  if (!answer.ok) { note('Job ' + id + ' could not be opened (HTTP ' + answer.status + ').'); return; }
  showJob(answer.body);
}

/** A job view (from GET, the list, or the stream's first event) merged into the shown job. */
function applyView(view) {
  if (!S.job || view.id !== S.job.id) return;
  Object.assign(S.job, view);
  for (const r of view.rounds || []) addRound(r.round, r.url);
  noteProgress();
  render();
}

function totals(job) {
  const p = job.progress || {};
  const rounds = p.rounds || job.options?.rounds || 1;
  const iters = p.iters || job.options?.iters || 1;
  const roundsDone = Math.min(rounds, p.roundsDone || 0);
  const inRound = p.round != null && p.round >= roundsDone && p.iteration != null ? Math.min(iters, p.iteration + 1) : 0;
  return { rounds, iters, roundsDone, inRound, done: roundsDone * iters + inRound, total: rounds * iters };
}

/** The ETA an event or a job view carries, in milliseconds left, if it carries one. */
function etaIn(o) {
  if (!o) return null;
  if (o.etaMillis != null) return etaOf(Number(o.etaMillis) / 1000);
  if (o.eta != null || o.etaSeconds != null) return etaOf(o.eta ?? o.etaSeconds);
  return o.progress ? etaIn(o.progress) : null;
}

/** Keeps samples of progress in time for the client-side ETA when the API gives none. */
function noteProgress(event) {
  const job = S.job;
  if (!job || job.state !== 'running') { S.eta = null; return; }
  const { done, total } = totals(job);
  const now = Date.now();
  const given = etaIn(event) ?? etaIn(job);
  if (given != null) { S.eta = { ...(S.eta || {}), end: now + given }; return; }
  const e = S.eta && S.eta.first ? S.eta : { first: { t: now, done } };
  if (done > e.first.done && now - e.first.t > 300) {
    const perStep = (now - e.first.t) / (done - e.first.done);
    e.end = now + perStep * (total - done);
  } else if (!e.end && job.timings?.lastRoundMillis && total) {
    const { iters } = totals(job);
    e.end = now + (job.timings.lastRoundMillis / iters) * (total - done);
  }
  S.eta = e;
}

/** An ETA the API gives: seconds, an ISO-8601 duration (PT1M5S) or an instant. Milliseconds left. */
function etaOf(v) {
  if (v == null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : null;
  if (typeof v === 'object') return etaOf(v.seconds ?? v.etaSeconds ?? v.remainingSeconds ?? v.at ?? v.instant);
  const iso = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$/.exec(String(v));
  if (iso) return ((+iso[1] || 0) * 3600 + (+iso[2] || 0) * 60 + (+iso[3] || 0)) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - Date.now()) : null;
}

function renderEta() {
  const node = $('eta');
  if (!S.eta?.end || S.job?.state !== 'running') { node.textContent = ''; return; }
  const left = S.eta.end - Date.now();
  node.textContent = left > 1500 ? 'about ' + duration(left) + ' left' : 'almost done';
}

function stateText(job) {
  if (job.cancelRequested && !FINAL.has(job.state)) return 'canceling';
  return job.state;
}

function render() {
  renderStart();
  const job = S.job;
  renderTitle(job);
  $('reuse').hidden = $('delete').hidden = $('jobLink').hidden = !job;
  $('progress-row').hidden = !job;
  if (!job) {
    $('state').textContent = 'no job yet';
    $('state').dataset.state = 'none';
    $('cancel').hidden = true;
    $('run').textContent = '';
    renderStage();
    renderVideo(null);
    return;
  }
  const state = stateText(job);
  $('state').textContent = state === 'canceling' ? 'canceling…' : state;
  $('state').dataset.state = state;
  $('jobId').textContent = job.id;
  $('jobLink').href = '#job=' + job.id;
  $('jobLink').title = 'Link to this job (keep it to come back)';
  const open = !FINAL.has(job.state);
  $('cancel').hidden = !open;
  $('cancel').disabled = !!job.cancelRequested;
  $('cancel').textContent = job.cancelRequested ? 'Canceling…' : 'Cancel';

  const t = totals(job);
  $('progress').value = job.state === 'succeeded' ? 1 : t.total ? t.done / t.total : 0;
  let text;
  if (job.state === 'queued') {
    text = 'Waiting for a worker' + (Number.isInteger(job.queuePosition) ? ' · ' + job.queuePosition + ' ahead' : '') + '…';
  } else if (job.state === 'running') {
    const round = Math.min(t.rounds, t.roundsDone + 1);
    text = 'Round ' + round + ' of ' + t.rounds + (t.inRound ? ' · step ' + t.inRound + ' of ' + t.iters : '');
  } else if (job.state === 'succeeded') {
    const took = Date.parse(job.timings?.finishedAt) - Date.parse(job.timings?.startedAt);
    text = t.rounds + (t.rounds === 1 ? ' round' : ' rounds') + ' done' + (Number.isFinite(took) && took >= 0 ? ' in ' + duration(took) : '');
  } else {
    text = (job.state === 'failed' ? 'Failed' : 'Canceled') + ' after ' + t.roundsDone + ' of ' + t.rounds + ' rounds';
  }
  if (S.follow?.reconnecting) text += ' · reconnecting…';
  $('progressText').textContent = text;
  renderEta();
  clearInterval(S.etaTimer);
  if (job.state === 'running') S.etaTimer = setInterval(renderEta, 1000);

  banner('job-error', job.state === 'failed' ? 'The job failed: ' + (job.error || 'no reason given') : null);
  renderRun(job.run);
  renderStrip();
  renderStage();
  renderVideo(job);
  renderHistoryCard();
}

/** The tab's title follows the job, for a tab in the background. */
function renderTitle(job) {
  if (!job) { document.title = 'Nightmare: deep dream any picture'; return; }
  const t = totals(job);
  const what = job.state === 'running' ? 'Round ' + Math.min(t.rounds, t.roundsDone + 1) + '/' + t.rounds
    : job.state === 'succeeded' ? '✓ Done' : job.state === 'queued' ? 'Queued' : job.state === 'failed' ? '✗ Failed' : 'Canceled';
  document.title = what + ' · Nightmare';
}

function renderRun(run) {
  const node = $('run');
  node.replaceChildren();
  if (!run) return;
  const part = (label, value) => value != null && value !== '' ? [label + ' ', h('b', { text: String(value) })] : [];
  const parts = [
    part('seed', run.seed), part('rng', run.rng), part('backend', run.backend),
    part('device', run.device), part('engine', run.engineVersion),
  ].filter((p) => p.length);
  parts.forEach((p, i) => node.append(...(i ? [' · '] : []), ...p));
}

// ---- the event stream -----------------------------------------------------------------------

function stopFollowing() {
  S.follow?.abort.abort();
  S.follow = null;
}

/**
 * Follows the job's server-sent events over fetch (EventSource cannot send the Authorization
 * header). The stream ends after a final event; if it drops before, it is opened again (the
 * first event, the state, brings the page up to date; Last-Event-ID where the API gives ids).
 */
async function follow(id) {
  const f = { id, abort: new AbortController(), lastId: null, retryMillis: 1000, reconnecting: false };
  S.follow = f;
  let failures = 0;
  while (S.follow === f) {
    let ended = false;
    try {
      const headers = { ...auth(), Accept: 'text/event-stream' };
      if (f.lastId) headers['Last-Event-ID'] = f.lastId;
      const url = S.job?.links?.events || '/v1/nightmares/' + id + '/events';
      const response = await fetch(url, { headers, signal: f.abort.signal, cache: 'no-store' });
      if (response.status === 401) { keyRejected(); return; }
      if (response.status === 404) { openJob(id); return; }
      if (response.ok) {
        ended = await readEvents(response.body, f);
        failures = 0;
      }
    } catch (e) {
      if (f.abort.signal.aborted) return;
    }
    if (S.follow !== f) return;
    if (ended) {
      S.follow = null;
      refreshJob(id);
      return;
    }
    failures++;
    f.reconnecting = true;
    render();
    await sleep(Math.min(15000, f.retryMillis * 2 ** Math.min(4, failures - 1)), f.abort.signal);
  }
}

/** Reads an SSE body until it ends; true if a final event was seen. */
async function readEvents(body, f) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let event = { type: 'message', data: [] };
  let final = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return final;
    buffer += decoder.decode(value, { stream: true });
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop();
    for (const line of lines) {
      if (line === '') {
        if (event.data.length && S.follow === f) {
          f.reconnecting = false;
          final = onEvent(event.type, event.data.join('\n')) || final;
        }
        event = { type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event.type = value;
      else if (field === 'data') event.data.push(value);
      else if (field === 'id' && !value.includes('\0')) f.lastId = value;
      else if (field === 'retry' && /^\d+$/.test(value)) f.retryMillis = Number(value);
    }
  }
}

/** One event of the shown job; true when it is the final one. */
function onEvent(type, data) {
  let body;
  try { body = parseJson(data); } catch { return false; }
  const job = S.job;
  if (!job || (body.jobId && body.jobId !== job.id) || (type === 'state' && body.id && body.id !== job.id)) return false;
  if (type === 'state') { applyView(body); return FINAL.has(body.state); }
  if (body.state) job.state = body.state;
  if (body.run) job.run = body.run;
  const p = (job.progress = { ...(job.progress || {}) });
  if (body.rounds) p.rounds = body.rounds;
  if (body.iters) p.iters = body.iters;
  if (type === 'started') { job.state = 'running'; p.round = undefined; p.iteration = undefined; }
  if (type === 'progress') {
    p.round = body.round;
    p.iteration = body.iteration;
    p.roundsDone = Math.max(p.roundsDone || 0, body.round || 0);
  }
  if (type === 'round') {
    p.roundsDone = Math.max(p.roundsDone || 0, body.round + 1);
    p.round = undefined;
    p.iteration = undefined;
    const url = body.imageUrl || body.url || (S.job.links?.self ? S.job.links.self + '/rounds/' + body.round : null);
    if (url) addRound(body.round, url);
  }
  if (FINAL.has(type)) {
    job.state = type;
    if (body.round != null) p.roundsDone = body.round;
    if (body.error) job.error = body.error;
    job.cancelRequested = false;
  }
  noteProgress(body);
  render();
  if (FINAL.has(type)) { loadHistory(); return true; }
  return false;
}

/** After the stream ends: the stored view is the truth (events are hints and may be missed). */
async function refreshJob(id) {
  try {
    const answer = await api('/v1/nightmares/' + id);
    if (answer.ok && S.job?.id === id) applyView(answer.body);
  } catch { /* the page keeps what the events said */ }
}

async function cancelJob(id, { quiet = false } = {}) {
  if (!quiet && S.job?.id === id) { S.job.cancelRequested = true; render(); }
  try {
    const answer = await api('/v1/nightmares/' + id + '/cancel', { method: 'POST' });
    if (!answer.ok && !quiet) {
      if (S.job?.id === id) S.job.cancelRequested = false;
      note('The job could not be canceled (HTTP ' + answer.status + ').');
    } else if (answer.ok && S.job?.id === id) {
      applyView(answer.body);
    }
  } catch (e) {
    if (!quiet) note('The gateway could not be reached to cancel the job.');
  }
  render();
}

let deleteTimer = 0;
async function deleteJob() {
  const button = $('delete');
  if (!button.dataset.armed) {
    button.dataset.armed = 'yes';
    button.textContent = 'Delete for good?';
    deleteTimer = setTimeout(disarmDelete, 4000);
    return;
  }
  disarmDelete();
  const id = S.job?.id;
  if (!id) return;
  const answer = await api('/v1/nightmares/' + id, { method: 'DELETE' }).catch(() => null);
  if (!answer || (!answer.ok && answer.status !== 404)) {
    note('The job could not be deleted' + (answer ? ' (HTTP ' + answer.status + ').' : '.'));
    return;
  }
  stopFollowing();
  resetRounds();
  S.job = null;
  history.replaceState(null, '', location.pathname + location.search);
  render();
  loadHistory();
}

function disarmDelete() {
  clearTimeout(deleteTimer);
  delete $('delete').dataset.armed;
  $('delete').textContent = 'Delete';
}

function reuseSettings() {
  const o = S.job?.options;
  if (!o) return;
  if (S.models.some((m) => m.name === o.model)) {
    $('model').value = o.model;
    modelChanged(false);
  }
  if (o.layer != null) $('layer').value = String(o.layer);
  // animate is an object in the API and a checkbox here: a job without it unticks the box; a job
  // without bnGradient used darknet's.
  setFormValues({ ...Object.fromEntries(Object.entries(o).filter(([k]) => k in DEFAULTS)), animate: !!o.animate,
    bnGradient: o.bnGradient || 'darknet' });
  if (ADVANCED.some((k) => o[k] != null && String(o[k]) !== String(DEFAULTS[k]))) $('more').open = true;
  formChanged();
  $('model').focus();
}

// ---- rounds: the strip, the stage, the viewer ------------------------------------------------

function fileName(round, blob) {
  const job = S.job;
  const input = S.inputs.get(job.id);
  const base = input?.name ? input.name.split('.')[0] || 'image' : 'nightmare-' + job.id.slice(0, 8);
  const ext = blob?.type === 'image/png' ? 'png' : blob?.type === 'image/jpeg' ? 'jpg' : job.options?.format || 'jpg';
  // darknet's own naming: IMAGE_MODEL_LAYER_%06d
  return base + '_' + (job.model || job.options?.model || 'model') + '_' + (job.options?.layer ?? '') + '_' + String(round).padStart(6, '0') + '.' + ext;
}

function addRound(round, url) {
  if (!Number.isInteger(round) || S.rounds.has(round)) return;
  S.rounds.set(round, { status: 'loading', api: url, url: null, blob: null, error: '' });
  loadRound(round, S.job.id);
}

async function loadRound(round, jobId, attempt = 0) {
  const slot = S.rounds.get(round);
  if (!slot || S.job?.id !== jobId) return;
  slot.status = 'loading';
  renderStrip();
  let problem;
  try {
    const response = await fetch(slot.api, { headers: auth() });
    if (response.ok) {
      const blob = await response.blob();
      if (S.job?.id !== jobId || S.rounds.get(round) !== slot) return;
      slot.blob = blob;
      slot.url = URL.createObjectURL(blob);
      slot.status = 'ok';
    } else {
      problem = response.status === 404 ? 'not found' : 'HTTP ' + response.status;
    }
  } catch (e) {
    problem = 'network error';
  }
  if (S.job?.id !== jobId || S.rounds.get(round) !== slot) return;
  if (problem) {
    if (attempt === 0) { await sleep(1200); return loadRound(round, jobId, 1); }
    slot.status = 'error';
    slot.error = problem;
  }
  renderStrip();
  renderStage();
}

/** The round shown large: the one chosen, else the latest loaded. */
function shownRound() {
  if (S.selected != null && S.rounds.get(S.selected)?.status === 'ok') return S.selected;
  const ok = [...S.rounds.entries()].filter(([, s]) => s.status === 'ok').map(([n]) => n);
  return ok.length ? Math.max(...ok) : null;
}

function renderStrip() {
  const strip = $('strip');
  const job = S.job;
  if (!job) { strip.replaceChildren(); return; }
  const t = totals(job);
  const count = Math.max(t.rounds, ...[...S.rounds.keys()].map((n) => n + 1));
  const current = shownRound();
  while (strip.children.length > count) strip.lastElementChild.remove();
  for (let n = 0; n < count; n++) {
    const slot = S.rounds.get(n);
    let status = slot ? slot.status : 'pending';
    if (!slot && job.state === 'running' && n === t.roundsDone) status = 'active';
    let li = strip.children[n];
    if (!li) {
      li = h('li', { 'data-round': String(n) });
      strip.append(li);
    }
    const key = status + ':' + (slot?.url || '');
    if (status === 'active') li.style.setProperty('--done', (100 * t.inRound / t.iters).toFixed(1) + '%');
    if (li.dataset.key !== key) {
      li.dataset.key = key;
      li.dataset.status = status;
      li.replaceChildren(...stripItem(n, status, slot, t.rounds));
    }
    // Marked in place, so the focus stays on a thumbnail chosen by keyboard.
    li.querySelector('button.thumb')?.setAttribute('aria-current', String(n === current));
  }
}

function stripItem(n, status, slot, rounds) {
  const label = 'Round ' + (n + 1) + ' of ' + rounds;
  if (status === 'ok') {
    const img = h('img', { src: slot.url, alt: label });
    img.addEventListener('error', () => { slot.status = 'error'; slot.error = 'not an image'; renderStrip(); });
    return [
      h('button', {
        type: 'button', class: 'thumb', 'aria-label': 'Show ' + label.toLowerCase(),
        onclick: () => { S.selected = n; renderStrip(); renderStage(); },
      }, img),
      h('div', { class: 'cap' }, h('span', { text: String(n + 1) }),
        h('a', { href: slot.url, download: fileName(n, slot.blob), 'aria-label': 'Download round ' + (n + 1), title: 'Download round ' + (n + 1) }, icon('down'))),
    ];
  }
  if (status === 'error') {
    return [
      h('div', { class: 'thumb' }, h('button', {
        type: 'button', class: 'retry', 'aria-label': 'Round ' + (n + 1) + ' could not be loaded (' + slot.error + '): retry',
        onclick: () => loadRound(n, S.job.id, 1),
      }, h('span', { text: 'Could not load (' + slot.error + ')' }), h('strong', { text: 'Retry' }))),
      h('div', { class: 'cap' }, h('span', { text: String(n + 1) })),
    ];
  }
  const inside = status === 'active' ? [h('span', { class: 'wait', text: 'dreaming…' }), h('span', { class: 'mini' })]
    : status === 'loading' ? [] : [h('span', { class: 'wait', text: S.job && FINAL.has(S.job.state) ? '—' : 'to come' })];
  return [h('div', { class: 'thumb', 'aria-label': label + ': ' + (status === 'loading' ? 'loading' : 'not made yet') }, ...inside),
    h('div', { class: 'cap' }, h('span', { text: String(n + 1) }))];
}

function inputUrl() {
  return S.job ? S.inputs.get(S.job.id)?.url || null : S.fileUrl;
}

/** The input of a job this page did not submit, where the API links it (it needs the key). */
async function loadInput(job) {
  if (S.inputs.has(job.id) || !job.links?.input) return;
  try {
    const response = await fetch(job.links.input, { headers: auth() });
    if (!response.ok) return;
    S.inputs.set(job.id, { url: URL.createObjectURL(await response.blob()), name: null });
    if (S.job?.id === job.id) renderStage();
  } catch { /* shown without its input */ }
}

function renderStage() {
  const before = inputUrl();
  const n = S.job ? shownRound() : null;
  const slot = n != null ? S.rounds.get(n) : null;
  const t = S.job ? totals(S.job) : null;
  setImg($('beforeImg'), before);
  $('before-empty').hidden = !!before;
  $('stage').classList.toggle('single', !!S.job && !before);
  setImg($('afterImg'), slot?.url || null);
  $('afterImg').alt = slot ? 'Round ' + (n + 1) + ' of ' + t.rounds : '';
  $('after-empty').hidden = !!slot;
  $('after-empty').textContent = S.job && FINAL.has(S.job.state) && !S.rounds.size ? 'No rounds were made.'
    : 'The dream appears here, round by round';
  $('openViewer').disabled = !slot;
  $('afterCaption').textContent = slot ? 'Round ' + (n + 1) + ' of ' + t.rounds + (n === t.roundsDone - 1 && S.selected == null ? ' (latest)' : '') : 'After';

  const comparable = !!(before && slot);
  $('viewCompare').disabled = !comparable;
  if (!comparable && S.view === 'compare') S.view = 'side';
  $('stage').dataset.view = S.view;
  $('compare').hidden = S.view !== 'compare';
  $('viewSide').setAttribute('aria-pressed', String(S.view === 'side'));
  $('viewCompare').setAttribute('aria-pressed', String(S.view === 'compare'));
  if (comparable) {
    setImg($('compareBefore'), before);
    setImg($('compareAfter'), slot.url);
    $('compareBefore').alt = 'Before';
    $('compareAfter').alt = 'Round ' + (n + 1);
  }

  const one = $('downloadOne');
  if (slot) {
    one.href = slot.url;
    one.download = fileName(n, slot.blob);
    one.removeAttribute('aria-disabled');
    $('downloadOneText').textContent = 'Round ' + (n + 1);
  } else {
    one.removeAttribute('href');
    one.setAttribute('aria-disabled', 'true');
    $('downloadOneText').textContent = 'Download';
  }
  $('downloadAll').disabled = ![...S.rounds.values()].some((s) => s.status === 'ok');
  if ($('viewer').open) renderViewer();
}

function setImg(img, url) {
  img.onerror = () => { img.hidden = true; };
  if (url) { if (img.getAttribute('src') !== url) img.src = url; img.hidden = false; } else { img.removeAttribute('src'); img.hidden = true; }
}

function okRounds() {
  return [...S.rounds.entries()].filter(([, s]) => s.status === 'ok').map(([n]) => n).sort((a, b) => a - b);
}

function openViewer() {
  if (shownRound() == null) return;
  renderViewer();
  $('viewer').showModal();
}

function renderViewer() {
  const n = shownRound();
  const slot = S.rounds.get(n);
  if (!slot) return;
  const t = totals(S.job);
  const ok = okRounds();
  $('viewer-title').textContent = 'Round ' + (n + 1) + ' of ' + t.rounds;
  $('viewerImg').src = slot.url;
  $('viewerImg').alt = 'Round ' + (n + 1) + ' of ' + t.rounds;
  $('viewerDownload').href = slot.url;
  $('viewerDownload').download = fileName(n, slot.blob);
  $('viewerPrev').disabled = ok.indexOf(n) <= 0;
  $('viewerNext').disabled = ok.indexOf(n) >= ok.length - 1;
}

function step(delta) {
  const ok = okRounds();
  const i = ok.indexOf(shownRound());
  const next = ok[i + delta];
  if (next == null) return;
  S.selected = next;
  renderStrip();
  renderStage();
}

// ---- the video (options.animate) --------------------------------------------------------------

/** The player for a job that makes a video: what is coming while it runs, the video once it succeeded. */
function renderVideo(job) {
  if (S.video && S.video.jobId !== job?.id) clearVideo();
  $('videoPane').hidden = !job?.links?.video;
  if (!job?.links?.video) return;
  if (job.state !== 'succeeded') {
    $('videoText').textContent = FINAL.has(job.state)
      ? 'No video: the job ended ' + job.state + ' before its last round.'
      : 'The video is made after the last round.';
    return;
  }
  if (!S.video) loadVideo(job);
}

/** Fetched with the key (a video element cannot send it), then played from a blob: URL. */
async function loadVideo(job) {
  const slot = { jobId: job.id, url: null };
  S.video = slot;
  $('videoText').textContent = 'Loading the video…';
  let response = null;
  try { response = await fetch(job.links.video, { headers: auth() }); } catch { /* shown below */ }
  if (S.video !== slot) return;
  if (!response?.ok) {
    const answer = response ? parseJson(await response.text()) : null;
    $('videoText').textContent = 'The video could not be loaded' + (answer?.title ? ': ' + answer.title : response ? ' (HTTP ' + response.status + ').' : ': the gateway could not be reached.');
    return;
  }
  const blob = await response.blob();
  if (S.video !== slot) return;
  slot.url = URL.createObjectURL(blob);
  $('video').src = slot.url;
  $('video').hidden = false;
  const link = $('downloadVideo');
  link.href = slot.url;
  link.download = fileName(0, blob).replace(/_0+\.\w+$/, '') + (blob.type === 'image/gif' ? '.gif' : '.mp4');
  link.hidden = false;
  $('videoText').textContent = 'The rounds as a video';
}

function clearVideo() {
  if (S.video?.url) URL.revokeObjectURL(S.video.url);
  S.video = null;
  $('video').removeAttribute('src');
  $('video').hidden = true;
  $('downloadVideo').hidden = true;
  $('downloadVideo').removeAttribute('href');
}

async function downloadAll() {
  const job = S.job;
  if (!job) return;
  const button = $('downloadAll');
  button.disabled = true;
  try {
    const files = [];
    for (const n of okRounds()) {
      const slot = S.rounds.get(n);
      files.push({ name: fileName(n, slot.blob), bytes: new Uint8Array(await slot.blob.arrayBuffer()) });
    }
    const missing = [...S.rounds.entries()].filter(([, s]) => s.status === 'error').map(([n]) => n + 1);
    const blob = zip(files);
    const url = URL.createObjectURL(blob);
    const base = fileName(0, null).replace(/_0+\.\w+$/, '');
    const a = h('a', { href: url, download: base + '.zip', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    if (missing.length) note('The zip lacks round ' + missing.join(', ') + ', which could not be loaded; retry it in the strip.');
  } finally {
    button.disabled = false;
  }
}

// ---- history ----------------------------------------------------------------------------------

let historyCall = 0;
async function loadHistory(more = false) {
  if (!S.key) return;
  const call = ++historyCall;
  const after = more && S.historyNext ? '&after=' + encodeURIComponent(S.historyNext) : '';
  let answer;
  try { answer = await api('/v1/nightmares?limit=12' + after); } catch { return; }
  if (call !== historyCall || !answer.ok) return;
  const items = Array.isArray(answer.body) ? answer.body : answer.body?.items || [];
  S.historyNext = answer.body?.next || null;
  const list = $('history');
  if (!more) list.replaceChildren();
  for (const job of items) list.append(historyItem(job));
  $('history-empty').hidden = list.children.length > 0;
  $('moreHistory').hidden = !S.historyNext;
  markHistory();
  renderHistoryCard();
}

/** The shown job's card in the history follows it live (state, rounds, latest picture). */
function renderHistoryCard() {
  const job = S.job;
  const card = job && $('history').querySelector('a[data-job="' + job.id + '"]');
  if (!card) return;
  const ok = okRounds();
  const latest = ok.length ? ok[ok.length - 1] : null;
  const signature = stateText(job) + ':' + totals(job).roundsDone + ':' + latest;
  if (card.dataset.signature === signature) return;
  const url = latest == null ? null : S.rounds.get(latest).url;
  if (url) S.thumbs.set(job.id + ':' + latest, url);
  const item = historyItem(job, url);
  item.firstElementChild.dataset.signature = signature;
  card.parentElement.replaceWith(item);
  markHistory();
}

function historyItem(job, latestUrl = null) {
  const t = totals(job);
  const shot = h('span', { class: 'shot', text: t.roundsDone ? '' : job.state === 'queued' ? 'queued' : 'no round yet' });
  const last = (job.rounds || []).at(-1);
  if (latestUrl) shot.replaceChildren(h('img', { src: latestUrl, alt: 'Latest round of job ' + job.id }));
  else if (last) thumb(job.id + ':' + last.round, last.url, shot, 'Last round of job ' + job.id);
  const when = ago(job.timings?.createdAt);
  return h('li', {}, h('a', { href: '#job=' + job.id, 'data-job': job.id, 'aria-label': 'Job from ' + (when || 'earlier') + ', ' + job.state + ', ' + (job.model || '') + ' layer ' + (job.options?.layer ?? '') },
    shot,
    h('span', { class: 'line' }, h('span', { class: 'badge', 'data-state': job.state, text: job.state }), h('span', { text: t.roundsDone + '/' + t.rounds + ' rounds' })),
    h('span', { class: 'line' }, h('span', { text: (job.model || '?') + ' · layer ' + (job.options?.layer ?? '?') }), h('span', { text: when })),
  ));
}

/** A history thumbnail: fetched with the key, one at a time, kept while the page lives. */
const thumbQueue = [];
let thumbBusy = false;
function thumb(key, url, box, alt) {
  const have = S.thumbs.get(key);
  if (have) { box.replaceChildren(h('img', { src: have, alt })); return; }
  thumbQueue.push({ key, url, box, alt });
  pumpThumbs();
}

async function pumpThumbs() {
  if (thumbBusy) return;
  thumbBusy = true;
  while (thumbQueue.length) {
    const { key, url, box, alt } = thumbQueue.shift();
    try {
      const response = await fetch(url, { headers: auth() });
      if (response.ok) {
        const src = URL.createObjectURL(await response.blob());
        S.thumbs.set(key, src);
        box.replaceChildren(h('img', { src, alt }));
      } else {
        box.textContent = 'image unavailable';
      }
    } catch {
      box.textContent = 'image unavailable';
    }
  }
  thumbBusy = false;
}

function markHistory() {
  for (const a of $('history').querySelectorAll('a[data-job]')) {
    if (a.dataset.job === S.job?.id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// ---- wiring -----------------------------------------------------------------------------------

function wire() {
  const form = $('form');
  form.addEventListener('submit', submit);
  form.addEventListener('input', (e) => {
    if (e.target.id && e.target.id !== 'image') clearError(e.target.id);
    if (e.target.id === 'rotate') showDegrees();
    formChanged();
  });
  form.addEventListener('change', (e) => {
    if (e.target.id === 'model') modelChanged(false);
    else if (e.target.id !== 'image') formChanged();
  });
  $('more').addEventListener('toggle', saveForm);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !$('viewer').open) { e.preventDefault(); form.requestSubmit(); }
  });
  $('resetOptions').addEventListener('click', () => { setFormValues(DEFAULTS); S.preset = null; const m = currentModel(); if (m) renderPresets(m); formChanged(); });

  $('image').addEventListener('change', (e) => pick(e.target.files[0]));
  const drop = $('drop');
  // A picture dropped anywhere on the page is taken (the browser would otherwise open it instead).
  document.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    drop.classList.add('over');
  });
  document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) drop.classList.remove('over'); });
  document.addEventListener('drop', (e) => {
    if (!e.dataTransfer?.files.length) return;
    e.preventDefault();
    drop.classList.remove('over');
    pick(e.dataTransfer.files[0]);
  });
  document.addEventListener('paste', (e) => {
    const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith('image/'));
    if (file) { e.preventDefault(); pick(file); }
  });

  // The skip link moves the focus without touching the address (which may name a job).
  $('skip').addEventListener('click', (e) => { e.preventDefault(); $('image').focus(); });
  $('cancel').addEventListener('click', () => S.job && cancelJob(S.job.id));
  $('delete').addEventListener('click', deleteJob);
  $('reuse').addEventListener('click', reuseSettings);
  $('viewSide').addEventListener('click', () => { S.view = 'side'; renderStage(); });
  $('viewCompare').addEventListener('click', () => { S.view = 'compare'; renderStage(); $('compareSlider').focus(); });
  $('compareSlider').addEventListener('input', (e) => $('compare').style.setProperty('--pos', e.target.value + '%'));
  $('openViewer').addEventListener('click', openViewer);
  $('viewerClose').addEventListener('click', () => $('viewer').close());
  $('viewerPrev').addEventListener('click', () => step(-1));
  $('viewerNext').addEventListener('click', () => step(1));
  $('viewer').addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') step(-1);
    if (e.key === 'ArrowRight') step(1);
  });
  $('viewer').addEventListener('click', (e) => { if (e.target === $('viewer')) $('viewer').close(); });
  $('strip').addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    step(e.key === 'ArrowLeft' ? -1 : 1);
    $('strip').querySelector('.thumb[aria-current="true"]')?.focus();
  });
  $('downloadOne').addEventListener('click', (e) => { if ($('downloadOne').getAttribute('aria-disabled') === 'true') e.preventDefault(); });
  $('downloadAll').addEventListener('click', downloadAll);
  $('refreshHistory').addEventListener('click', () => loadHistory());
  $('moreHistory').addEventListener('click', () => loadHistory(true));
  window.addEventListener('hashchange', () => {
    const m = location.hash.match(JOB_HASH);
    if (m && m[1] !== S.job?.id) openJob(m[1]);
  });
}

restoreForm();
initKey();
wire();
render();
loadModels();
document.documentElement.dataset.page = 'ready';

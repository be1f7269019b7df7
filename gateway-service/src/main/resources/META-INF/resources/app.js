// Nightmare web page: plain JS, no build step. Talks to the same /v1 API as any client; the key is
// sent as a Bearer header (never in URLs), so images and the event stream are fetched, not linked.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { file: null, models: [], job: null, abort: null };

$('apiKey').value = localStorage.getItem('nightmare.apiKey') || '';

function headers() {
  const key = $('apiKey').value.trim();
  localStorage.setItem('nightmare.apiKey', key);
  return { Authorization: 'Bearer ' + key };
}

function showErrors(list) {
  const ul = $('errors');
  ul.replaceChildren(...list.map((e) => {
    const li = document.createElement('li');
    li.textContent = e.field ? e.field + ': ' + e.message : e.message;
    li.dataset.field = e.field || '';
    return li;
  }));
}

async function failure(response) {
  try {
    const body = await response.json();
    const errors = body.errors && body.errors.length ? body.errors : [{ message: body.title }];
    showErrors(errors);
  } catch (e) {
    showErrors([{ message: 'HTTP ' + response.status }]);
  }
}

async function loadModels() {
  const response = await fetch('/v1/models', { headers: headers() });
  if (!response.ok) { await failure(response); return; }
  showErrors([]);
  state.models = await response.json();
  $('model').replaceChildren(...state.models.map((m) => new Option(m.name, m.name)));
  fillLayers();
}

function fillLayers() {
  const model = state.models.find((m) => m.name === $('model').value);
  if (!model) return;
  const options = [];
  for (let i = 0; i <= model.lastTargetableLayer; i++) {
    const layer = model.layers && model.layers[i];
    const kind = layer ? (layer.type || layer.kind || '') : '';
    options.push(new Option(kind ? i + ' (' + kind + ')' : String(i), String(i)));
  }
  $('layer').replaceChildren(...options);
  $('layer').value = String(Math.max(0, Math.floor(model.lastTargetableLayer / 2)));
}

function pick(file) {
  if (!file) return;
  state.file = file;
  const preview = $('preview');
  preview.src = URL.createObjectURL(file);
  preview.hidden = false;
}

function number(id, parse) {
  const v = $(id).value.trim();
  return v === '' ? undefined : parse(v);
}

function options() {
  return {
    model: $('model').value,
    layer: number('layer', (v) => parseInt(v, 10)),
    rounds: number('rounds', (v) => parseInt(v, 10)),
    iters: number('iters', (v) => parseInt(v, 10)),
    range: number('range', (v) => parseInt(v, 10)),
    octaves: number('octaves', (v) => parseInt(v, 10)),
    rate: number('rate', parseFloat),
    thresh: number('thresh', parseFloat),
    zoom: number('zoom', parseFloat),
    rotate: number('rotate', parseFloat),
    seed: number('seed', (v) => parseInt(v, 10)),
    rng: $('rng').value,
    format: $('format').value,
    maxSide: number('maxSide', (v) => parseInt(v, 10)),
    norm: $('norm').checked,
  };
}

async function start(event) {
  event.preventDefault();
  if (!state.file) { showErrors([{ field: 'image', message: 'choose an image first' }]); return; }
  if (state.abort) state.abort.abort();
  const form = new FormData();
  form.append('image', state.file, state.file.name);
  form.append('options', JSON.stringify(options()));
  const response = await fetch('/v1/nightmares', { method: 'POST', headers: headers(), body: form });
  if (response.status !== 202) { await failure(response); return; }
  showErrors([]);
  const job = await response.json();
  state.job = job;
  $('gallery').replaceChildren();
  $('job').hidden = false;
  $('cancel').hidden = false;
  $('jobId').textContent = job.id;
  render(job);
  follow(job);
}

function render(job) {
  $('state').textContent = job.state;
  const p = job.progress || {};
  const total = (p.rounds || 1) * (p.iters || 1);
  const done = (p.roundsDone || 0) * (p.iters || 1) + (p.iteration != null ? p.iteration + 1 : 0);
  $('progress').value = Math.min(1, done / total);
  $('progressText').textContent = p.rounds ? '(' + (p.roundsDone || 0) + ' of ' + p.rounds + ' rounds)' : '';
  if (job.run) $('run').textContent = 'seed ' + job.run.seed + ', rng ' + job.run.rng + ', backend ' + job.run.backend;
  if (job.error) showErrors([{ message: job.error }]);
  (job.rounds || []).forEach((r) => addRound(r.round, r.url));
}

const shown = new Set();
async function addRound(round, url) {
  if (shown.has(round)) return;
  shown.add(round);
  const figure = document.createElement('figure');
  figure.dataset.round = String(round);
  $('gallery').append(figure);
  const response = await fetch(url, { headers: headers() });
  if (!response.ok) { shown.delete(round); figure.remove(); return; }
  const blob = URL.createObjectURL(await response.blob());
  const img = document.createElement('img');
  img.src = blob;
  img.alt = 'round ' + round;
  const caption = document.createElement('figcaption');
  const link = document.createElement('a');
  link.href = blob;
  link.download = state.job.id + '-round-' + String(round).padStart(6, '0') + '.' + (state.job.options.format || 'jpg');
  link.textContent = 'round ' + round + ' (download)';
  caption.append(link);
  figure.append(img, caption);
}

// Server-sent events over fetch (EventSource cannot send the Authorization header).
async function follow(job) {
  shown.clear();
  const abort = new AbortController();
  state.abort = abort;
  const response = await fetch(job.links.events, { headers: { ...headers(), Accept: 'text/event-stream' }, signal: abort.signal });
  if (!response.ok) { await failure(response); return; }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      handle(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  $('cancel').hidden = true;
}

function handle(block) {
  let name = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (!data.length) return;
  const body = JSON.parse(data.join('\n'));
  if (name === 'state') { render(body); return; }
  $('state').textContent = body.state;
  if (!state.job) return;
  const p = state.job.progress || {};
  if (name === 'progress') {
    state.job.progress = { ...p, round: body.round, iteration: body.iteration, roundsDone: body.round };
    render({ ...state.job, state: body.state });
  }
  if (name === 'round' && body.imageUrl) {
    state.job.progress = { ...p, round: undefined, iteration: undefined, roundsDone: body.round + 1 };
    render({ ...state.job, state: body.state });
    addRound(body.round, body.imageUrl);
  }
  if (name === 'failed') showErrors([{ message: body.error || 'failed' }]);
  if (name === 'succeeded') $('progress').value = 1;
}

async function cancel() {
  if (!state.job) return;
  const response = await fetch(state.job.links.cancel, { method: 'POST', headers: headers() });
  if (!response.ok) await failure(response);
}

$('loadModels').addEventListener('click', loadModels);
$('model').addEventListener('change', fillLayers);
$('image').addEventListener('change', (e) => pick(e.target.files[0]));
$('form').addEventListener('submit', start);
$('cancel').addEventListener('click', cancel);
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); pick(e.dataTransfer.files[0]); });
if ($('apiKey').value) loadModels();

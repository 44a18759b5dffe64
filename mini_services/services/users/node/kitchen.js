// What every replica of the kitchen does, in Node.js (the Python twin is ../../../kit/app.py and kit/knobs.py):
// the knobs the control plane pushes, injected faults, the capacity model, /health and /_kitchen/*.
'use strict';
const { setTimeout: sleep } = require('node:timers/promises');

const INTERNAL_PREFIXES = ['/_kitchen', '/health', '/docs', '/openapi.json'];

class HttpError extends Error {
  /** An answer other than 200: its status and FastAPI's {"detail": ...}. */
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

/** A 422 in FastAPI's shape: [{type, loc, msg, input, ctx}]. */
function invalid(loc, type, msg, input, ctx) {
  return new HttpError(422, [{ type, loc, msg, input, ...(ctx ? { ctx } : {}) }]);
}

const FAULT_LIMITS = { latency_ms: [0, 10000], jitter_ms: [0, 10000], error_rate: [0, 1] };

/** Check a pushed ReplicaConfig as kit/knobs.py does (faults in range, nothing unknown); answer it with defaults. */
function readConfig(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid(['body'], 'model_attributes_type', 'Input should be a valid dictionary or object to extract fields from', body);
  }
  const faults = { latency_ms: 0, jitter_ms: 0, error_rate: 0 };
  for (const [name, value] of Object.entries(body.faults ?? {})) {
    const limits = FAULT_LIMITS[name];
    if (!limits) throw invalid(['body', 'faults', name], 'extra_forbidden', 'Extra inputs are not permitted', value);
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(['body', 'faults', name], 'float_type', 'Input should be a valid number', value);
    }
    if (value < limits[0] || value > limits[1]) {
      throw invalid(['body', 'faults', name], 'range', `Input should be between ${limits[0]} and ${limits[1]}`, value);
    }
    faults[name] = value;
  }
  const version = body.version ?? 'v1';
  if (typeof version !== 'string') throw invalid(['body', 'version'], 'string_type', 'Input should be a valid string', version);
  return { ...body, faults, version, bad_version: Boolean(body.bad_version), peers: body.peers ?? {} };
}

class Capacity {
  /** A replica has `workers` slots, each busy `service_ms` per request; a bounded queue before them. */
  constructor(station) {
    this.station = station;
    this.free = station.workers;
    this.queue = [];
    this.waiting = 0;
  }

  async run(work) {
    if (this.waiting >= this.station.queue_limit) {
      throw new HttpError(503, `${this.station.name} is overloaded: ${this.waiting} requests already waiting`);
    }
    this.waiting += 1;
    try {
      if (this.free > 0) this.free -= 1;
      else await new Promise((resolve) => this.queue.push(resolve));
    } finally {
      this.waiting -= 1;
    }
    try {
      if (this.station.service_ms > 0) await sleep(this.station.service_ms); // simulate this station's work
      return await work();
    } finally {
      const next = this.queue.shift();
      if (next) next(); else this.free += 1;
    }
  }
}

/** The chaos knobs on one request: added latency, a bad deploy, injected failures (never on /health or /_kitchen). */
async function applyFaults(service, config) {
  const { latency_ms: latency, jitter_ms: jitter, error_rate: rate } = config.faults;
  const wait = latency + (jitter > 0 ? Math.random() * jitter : 0);
  if (wait > 0) await sleep(wait); // simulate a slow or congested service
  if (config.bad_version) throw new HttpError(500, `${service} ${config.version} is a bad deploy: it fails every request`);
  if (rate && Math.random() < rate) throw new HttpError(500, `${service}: injected failure (error_rate ${rate})`);
}

/** Read a request body as JSON (a 422 that says why when it is not). */
async function jsonBody(request) {
  const chunks = [];
  let size = 0;
  for await (const chunk of request) {
    size += chunk.length;
    if (size > 1 << 20) throw new HttpError(413, 'the body is larger than 1 MB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalid(['body', 0], 'json_invalid', 'JSON decode error', {}, { error: error.message });
  }
}

/** The kitchen's own routes beside the service's: /health, /_kitchen/config, /_kitchen/tables, /_kitchen/breakers. */
function kitchenRoutes(replica) {
  return [
    { method: 'GET', pattern: /^\/health$/, handle: () => ({ ok: true, service: replica.service, replica: replica.id, version: replica.config.version }) },
    { method: 'PUT', pattern: /^\/_kitchen\/config$/, body: true, handle: (_m, body) => { replica.apply(readConfig(body)); return { ok: true }; } },
    { method: 'GET', pattern: /^\/_kitchen\/tables$/, handle: () => replica.store.tables() },
    { method: 'GET', pattern: /^\/_kitchen\/breakers$/, handle: () => ({}) }, // users calls no other service
    { method: 'GET', pattern: /^\/openapi\.json$/, handle: () => openapi(replica) },
  ];
}

/** A small OpenAPI description of the service's own routes (what lesson 6 lists for each service). */
function openapi(replica) {
  const paths = {};
  for (const r of replica.routes.filter((route) => route.template)) {
    paths[r.template] = { [r.method.toLowerCase()]: { summary: r.summary, description: r.description } };
  }
  return { openapi: '3.1.0', info: { title: `${replica.service} — ${replica.topology} kitchen (Node.js)`, version: replica.config.version }, paths };
}

const isWork = (pathname) => !INTERNAL_PREFIXES.some((prefix) => pathname.startsWith(prefix));

module.exports = { HttpError, invalid, readConfig, Capacity, applyFaults, jsonBody, kitchenRoutes, isWork };

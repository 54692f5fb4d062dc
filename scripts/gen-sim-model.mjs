#!/usr/bin/env node
// Generates src/sim/model/ovirt-model.json, the simulator's trimmed copy of the official oVirt API
// model (ovirt-engine-api-model, Apache-2.0) for the engine versions it plays, from the digests of
// ../shared/docs/ovirt-model/ (their README describes the format). The repository cannot read
// ../shared at run time, so the table is committed; `--check` fails when it differs from a fresh
// regeneration.
//
//   node scripts/gen-sim-model.mjs [DIGEST_DIR] [--check]      (npm run sim:model [-- --check])
//
// Kept per model version: every struct type reachable from a request or answer body (Action, the
// API root, the struct parameter of each add/update, the struct answer of each get/list), each
// field as its type name ("Type") or, for a list, [item type, wire item name]; which types carry
// the extra wire members (href, link, actions, creation_status); and every URL template's GET, POST
// and PUT with the service method behind it: the body type of an add/update, `action` for an
// action (its body is read as the one type Action), the answer type of a get/list.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(REPO, 'src', 'sim', 'model', 'ovirt-model.json');
/** The digests, and the engine versions built with each model tag (digests' README, "Why these tags"). */
const DIGESTS = [
  { line: '4.3', file: 'ovirt-model-4.3.json', engines: '4.3.11.2 to 4.3.11.4' },
  { line: '4.4', file: 'ovirt-model-4.4.json', engines: '4.4.10.6 and 4.4.10.7' },
];
const VERBS = ['GET', 'POST', 'PUT'];
const LINE_WIDTH = 110;

function fail(message) {
  process.stderr.write(`gen-sim-model: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  let check = false;
  let dir;
  for (const arg of argv) {
    if (arg === '--check') check = true;
    else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/gen-sim-model.mjs [DIGEST_DIR] [--check]\n');
      process.exit(0);
    } else if (arg.startsWith('-')) fail(`unknown option ${arg}; use [DIGEST_DIR] [--check].`);
    else if (dir === undefined) dir = arg;
    else fail(`one digest directory only, not also ${arg}.`);
  }
  return { check, dir: resolve(dir ?? join(REPO, '..', 'shared', 'docs', 'ovirt-model')) };
}

function readDigest(dir, file) {
  const path = join(dir, file);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(
      `cannot read the model digest ${path} (${error.message}); pass the digest directory as the first argument.`,
    );
  }
}

/** The struct parameter of an add/update (in) or a get/list (out): the body or answer type. */
function structParam(params, where) {
  const structs = Object.values(params).filter((p) => p.kind === 'struct');
  if (structs.length !== 1) fail(`${where} has ${structs.length} struct parameters, expected one.`);
  return structs[0];
}

function trimVersion(digest, meta) {
  const services = {};
  const paths = {};
  const roots = new Set(['Action', 'Api']);
  for (const template of Object.keys(digest.paths).sort()) {
    const entry = {};
    for (const verb of VERBS) {
      const key = digest.paths[template][verb];
      if (key === undefined) continue;
      const service = digest.services[key];
      if (!service) fail(`path ${template} ${verb} names an unknown service method ${key}.`);
      entry[verb] = key;
      if (services[key]) continue;
      if (verb === 'GET') {
        const out = structParam(service.out, key);
        services[key] = out.list ? { out: out.type, list: true } : { out: out.type };
        roots.add(out.type);
      } else if (service.action) {
        services[key] = { action: true };
      } else {
        const body = structParam(service.in, key);
        services[key] = { body: body.type };
        roots.add(body.type);
      }
    }
    if (Object.keys(entry).length > 0) paths[template] = entry;
  }

  const reachable = new Set();
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop();
    if (reachable.has(name)) continue;
    const type = digest.types[name];
    if (!type) fail(`type ${name} is referenced but not in the ${meta.line} digest.`);
    reachable.add(name);
    for (const field of Object.values(type.fields)) if (field.kind === 'struct') pending.push(field.type);
  }

  let wire;
  const types = {};
  for (const name of [...reachable].sort()) {
    const type = digest.types[name];
    const extra = type.extra_wire_fields ?? [];
    if (extra.length > 0) {
      const sorted = [...extra].sort();
      if (wire !== undefined && JSON.stringify(wire) !== JSON.stringify(sorted)) {
        fail(`type ${name} has extra wire fields ${sorted}, others ${wire}; the table keeps one list.`);
      }
      wire = sorted;
    }
    const fields = {};
    for (const fieldName of Object.keys(type.fields).sort()) {
      const field = type.fields[fieldName];
      if (field.list && !field.item) fail(`${name}.${fieldName} is a list without an item name.`);
      fields[fieldName] = field.list ? [field.type, field.item] : field.type;
    }
    types[name] = extra.length > 0 ? { wire: true, fields } : { fields };
  }

  const sortedServices = Object.fromEntries(
    Object.keys(services)
      .sort()
      .map((k) => [k, services[k]]),
  );
  return {
    model: { tag: digest.version, commit: digest.commit, engines: meta.engines },
    extra_wire_fields: wire ?? [],
    types,
    services: sortedServices,
    paths,
  };
}

/**
 * JSON as biome formats it (lineWidth 110): objects one member a line, except the small objects of
 * `services` and `paths`, written on one line when they fit; arrays of scalars on one line when
 * they fit. `--check` compares text, so the output must be stable under `biome format`.
 */
function formatJson(value, indent = '', used = 0, inline = false, inlineChildren = false) {
  const fits = (text) => used + text.length <= LINE_WIDTH;
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    const text = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    if (fits(text)) return text;
  }
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const entries = Array.isArray(value) ? value.map((v) => [undefined, v]) : Object.entries(value);
  if (entries.length === 0) return Array.isArray(value) ? '[]' : '{}';
  if (inline && !Array.isArray(value)) {
    const text = `{ ${entries.map(([k, v]) => `${JSON.stringify(k)}: ${formatJson(v, '', LINE_WIDTH)}`).join(', ')} }`;
    if (!text.includes('\n') && fits(text)) return text;
  }
  const inner = `${indent}  `;
  const lines = entries.map(([k, v], i) => {
    const head = k === undefined ? inner : `${inner}${JSON.stringify(k)}: `;
    const comma = i < entries.length - 1 ? 1 : 0;
    const leaves = k === 'services' || k === 'paths';
    return head + formatJson(v, inner, head.length + comma, inlineChildren, leaves);
  });
  const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
}

function generate(dir) {
  const versions = {};
  const sources = new Set();
  for (const meta of DIGESTS) {
    const digest = readDigest(dir, meta.file);
    sources.add(digest.source);
    versions[meta.line] = trimVersion(digest, meta);
  }
  const table = {
    attribution: {
      name: 'ovirt-engine-api-model',
      source: [...sources].join(', '),
      license: 'Apache-2.0',
      notice:
        'Trimmed from the oVirt API model (Copyright oVirt Authors, Apache License 2.0): type fields, ' +
        'URL templates and service methods of the tags below, as digested in docs/ovirt-model. ' +
        'Generated by scripts/gen-sim-model.mjs; do not edit by hand.',
      tags: Object.fromEntries(Object.entries(versions).map(([line, v]) => [line, v.model])),
    },
    versions,
  };
  return `${formatJson(table)}\n`;
}

const { check, dir } = parseArgs(process.argv.slice(2));
const text = generate(dir);
const shown = relative(process.cwd(), OUTPUT) || OUTPUT;
if (check) {
  let committed = '';
  try {
    committed = readFileSync(OUTPUT, 'utf8');
  } catch {
    fail(`${shown} is missing; run npm run sim:model to generate it.`);
  }
  if (committed !== text) fail(`${shown} differs from the model digests in ${dir}; run npm run sim:model.`);
  process.stdout.write(`${shown} matches the model digests.\n`);
} else {
  writeFileSync(OUTPUT, text);
  process.stdout.write(`wrote ${shown} (${Buffer.byteLength(text)} bytes)\n`);
}

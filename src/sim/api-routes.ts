import {
  addDisk,
  addTransfer,
  cancelTransfer,
  finalizeTransfer,
  removeDisk,
  type TransferEndpoints,
  updateDisk,
} from './disks.js';
import {
  conflict,
  type DataCenter,
  EngineFault,
  type EngineModel,
  type Host,
  type Job,
  notFound,
  type RequestContext,
  type StorageDomain,
  type Vm,
} from './engine-model.js';
import { activateHost, addHost, deactivateHost, removeHost, removeVm, startVm, stopVm } from './hosts.js';
import type { SimMachineState } from './machines.js';
import {
  API,
  link,
  renderApiRoot,
  renderCdrom,
  renderCluster,
  renderCollection,
  renderDataCenter,
  renderDisk,
  renderDiskAttachment,
  renderDomainGlobal,
  renderDomainInDataCenter,
  renderEvent,
  renderFile,
  renderHost,
  renderJob,
  renderJobStep,
  renderTransfer,
  renderVm,
} from './render.js';
import { applySearch } from './search.js';
import {
  activateDomain,
  addDomain,
  attachDomain,
  deactivateDomain,
  detachDomain,
  ISO_IMAGE_DIR,
  listDomainFiles,
  removeDomain,
} from './storage.js';

/**
 * The REST API routes (`/ovirt-engine/api/...`): each turns a request into a model call and the
 * model's state into the engine's JSON. Transport concerns (TLS, auth, faults, latency, XML) are
 * engine-server.ts's.
 */

export interface ApiRequest {
  method: string;
  /** The path after `/ovirt-engine/api[/v4]`, without query; '' for the root. */
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  correlationId: string;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
  /** Element name of the body in XML. */
  xmlRoot?: string;
  headers?: Record<string, string>;
  /** §8.12: no body, no Content-Type. */
  empty?: boolean;
}

export interface ApiDependencies {
  model: EngineModel;
  transfers: TransferEndpoints;
  engineSshPublicKey: string;
  /** The machine behind a host being added; created when the lab does not know it yet. */
  ensureMachine: (name: string, address: string) => SimMachineState;
}

type Handler = (req: ApiRequest, params: string[]) => ApiAnswer;

interface Route {
  method: string;
  pattern: RegExp;
  /** Action routes answer failures in the action shape `{"fault":{...},"status":"failed"}` (§2.4). */
  action: boolean;
  handler: Handler;
}

const ID = '([^/]+)';

export function createApiRouter(deps: ApiDependencies): (req: ApiRequest) => ApiAnswer {
  const { model } = deps;
  const routes: Route[] = [];
  const add = (method: string, path: string, handler: Handler, action = false): void => {
    routes.push({ method, pattern: new RegExp(`^${path}$`), action, handler });
  };

  const ok = (body: unknown, xmlRoot: string, status = 200): ApiAnswer => ({ status, body, xmlRoot });
  const list = <T>(
    singular: string,
    plural: string,
    items: T[],
    render: (item: T) => Record<string, unknown>,
  ) => ok(renderCollection(singular, items.map(render)), plural);
  const ctxOf = (req: ApiRequest): RequestContext => ({ correlationId: req.correlationId });
  const max = (req: ApiRequest): number => {
    const value = req.query.get('max');
    return value === null || value === '' ? Number.POSITIVE_INFINITY : Math.max(0, Number(value));
  };
  const limit = <T>(req: ApiRequest, items: T[]): T[] => items.slice(0, max(req));

  const host = (id: string): Host => model.hosts.find((h) => h.id === id) ?? throwNotFound();
  const dc = (id: string): DataCenter => model.dataCenters.find((d) => d.id === id) ?? throwNotFound();
  const domain = (id: string): StorageDomain =>
    model.storageDomains.find((s) => s.id === id) ?? throwNotFound();

  /** §2.5: an action's success echoes the action with a job link and the acted-on entity. */
  const actionDone = (job: Job, kind: string, collection: string, id: string): ApiAnswer =>
    ok({ status: 'complete', job: link('jobs', job.id), [kind]: link(collection, id) }, 'action');

  // API root (§6.4).
  add('GET', '', () => ok(renderApiRoot(model), 'api'));

  // Data centers and their attached storage domains (§4.1, §4.3).
  add('GET', '/datacenters', (req) => {
    const found = applySearch(
      model.dataCenters,
      req.query.get('search'),
      {
        name: (d) => d.name,
        status: (d) => d.status,
        storage: (d) => model.domainsOfDataCenter(d).map((s) => s.name),
        'storage.name': (d) => model.domainsOfDataCenter(d).map((s) => s.name),
      },
      'data centers',
    );
    return list('data_center', 'data_centers', limit(req, found), (d) => renderDataCenter(d, model.engine));
  });
  add('GET', `/datacenters/${ID}`, (_req, [id = '']) =>
    ok(renderDataCenter(dc(id), model.engine), 'data_center'),
  );
  add('GET', `/datacenters/${ID}/clusters`, (_req, [id = '']) => {
    const found = model.clusters.filter((c) => c.dataCenterId === dc(id).id);
    return list('cluster', 'clusters', found, (c) => renderCluster(c, model.engine));
  });
  add('GET', `/datacenters/${ID}/storagedomains`, (_req, [id = '']) => {
    const d = dc(id);
    return list('storage_domain', 'storage_domains', model.domainsOfDataCenter(d), (s) =>
      renderDomainInDataCenter(model, d, s),
    );
  });
  add('GET', `/datacenters/${ID}/storagedomains/${ID}`, (_req, [id = '', sdId = '']) => {
    const d = dc(id);
    const s = domain(sdId);
    // §8.12: a domain not attached here is a bare 404.
    if (s.dataCenterId !== d.id) throw notFound();
    return ok(renderDomainInDataCenter(model, d, s), 'storage_domain');
  });
  add('POST', `/datacenters/${ID}/storagedomains`, (req, [id = '']) => {
    const d = dc(id);
    const ref = text(req.body.id) ?? text(req.body.name);
    if (ref === undefined)
      throw new EngineFault(400, 'Incomplete parameters', 'StorageDomain [id|name] required for add');
    const s = model.findDomain(ref);
    if (!s) throw new EngineFault(404, 'Operation Failed', `Entity not found: ${ref}`);
    attachDomain(model, d, s, ctxOf(req));
    return {
      ...ok(renderDomainInDataCenter(model, d, s), 'storage_domain', 201),
      headers: { Location: `${API}/datacenters/${d.id}/storagedomains/${s.id}` },
    };
  });
  add(
    'POST',
    `/datacenters/${ID}/storagedomains/${ID}/activate`,
    (req, [id = '', sdId = '']) => {
      const job = activateDomain(model, dc(id), domain(sdId), ctxOf(req));
      return actionDone(job, 'storage_domain', 'storagedomains', sdId);
    },
    true,
  );
  add(
    'POST',
    `/datacenters/${ID}/storagedomains/${ID}/deactivate`,
    (req, [id = '', sdId = '']) => {
      const d = dc(id);
      const job = deactivateDomain(model, d, domain(sdId), ctxOf(req));
      // §8.6: deactivation leaves vdsm tasks, so the engine answers 202 with the async shape.
      const base = `${API}/datacenters/${d.id}/storagedomains/${sdId}`;
      const tasks = `${model.newId()},${model.newId()}`;
      return ok(
        {
          async: 'true',
          id: tasks,
          href: `${base}/deactivate/${tasks}`,
          status: 'pending',
          job: link('jobs', job.id),
          link: [
            { href: base, rel: 'parent' },
            { href: `${base}/deactivate`, rel: 'replay' },
          ],
        },
        'action',
        202,
      );
    },
    true,
  );
  add('DELETE', `/datacenters/${ID}/storagedomains/${ID}`, (req, [id = '', sdId = '']) => {
    detachDomain(model, dc(id), domain(sdId), ctxOf(req));
    return { status: 200, empty: true };
  });

  // Clusters (§6.2).
  add('GET', '/clusters', (req) => {
    const found = applySearch(
      model.clusters,
      req.query.get('search'),
      {
        name: (c) => c.name,
        datacenter: (c) => model.dataCenters.find((d) => d.id === c.dataCenterId)?.name,
      },
      'clusters',
    );
    return list('cluster', 'clusters', limit(req, found), (c) => renderCluster(c, model.engine));
  });
  add('GET', `/clusters/${ID}`, (_req, [id = '']) => {
    const cluster = model.clusters.find((c) => c.id === id) ?? throwNotFound();
    return ok(renderCluster(cluster, model.engine), 'cluster');
  });

  // Hosts (§3).
  add('GET', '/hosts', (req) => {
    const found = applySearch(
      model.hosts,
      req.query.get('search'),
      {
        name: (h) => h.name,
        status: (h) => h.status,
        address: (h) => h.address,
        cluster: (h) => model.clusters.find((c) => c.id === h.clusterId)?.name,
        datacenter: (h) => model.dataCenterOfHost(h)?.name,
        storage: (h) => {
          const d = model.dataCenterOfHost(h);
          return d ? model.domainsOfDataCenter(d).map((s) => s.name) : [];
        },
      },
      'hosts',
    );
    return list('host', 'hosts', limit(req, found), (h) => renderHost(model, h));
  });
  add('GET', `/hosts/${ID}`, (_req, [id = '']) => ok(renderHost(model, host(id)), 'host'));
  add('POST', '/hosts', (req) => {
    const cluster = record(req.body.cluster);
    const ssh = record(req.body.ssh);
    const created = addHost(
      model,
      {
        name: text(req.body.name),
        address: text(req.body.address),
        cluster: text(cluster.id) ?? text(cluster.name),
        rootPassword: text(req.body.root_password),
        publicKeyAuth: text(ssh.authentication_method) === 'publickey',
        activate: flag(req.query.get('activate'), true),
      },
      deps.ensureMachine,
      deps.engineSshPublicKey,
      ctxOf(req),
    );
    return {
      ...ok(renderHost(model, created), 'host', 201),
      headers: { Location: `${API}/hosts/${created.id}` },
    };
  });
  add(
    'POST',
    `/hosts/${ID}/deactivate`,
    (req, [id = '']) =>
      actionDone(deactivateHost(model, host(id), ctxOf(req), text(req.body.reason)), 'host', 'hosts', id),
    true,
  );
  add(
    'POST',
    `/hosts/${ID}/activate`,
    (req, [id = '']) => actionDone(activateHost(model, host(id), ctxOf(req)), 'host', 'hosts', id),
    true,
  );
  add('DELETE', `/hosts/${ID}`, (req, [id = '']) => {
    removeHost(model, host(id), ctxOf(req));
    return { status: 200, empty: true };
  });

  // VMs (§6.3).
  const vm = (id: string) => model.vms.find((v) => v.id === id) ?? throwNotFound();
  add('GET', '/vms', (req) => {
    const found = applySearch(
      model.vms,
      req.query.get('search'),
      {
        name: (v) => v.name,
        status: (v) => v.status,
        host: (v) => (v.status === 'down' ? undefined : model.hosts.find((h) => h.id === v.hostId)?.name),
        cluster: (v) => model.clusters.find((c) => c.id === v.clusterId)?.name,
      },
      'vms',
    );
    return list('vm', 'vms', limit(req, found), renderVm);
  });
  add('GET', `/vms/${ID}`, (_req, [id = '']) => ok(renderVm(vm(id)), 'vm'));
  add(
    'POST',
    `/vms/${ID}/start`,
    (req, [id = '']) => {
      // The guide's run-once: {"vm":{"os":{"boot":...},"cdroms":{"cdrom":[{"file":{"id":"x.iso"}}]}}}.
      const cdrom = firstOf(record(record(req.body.vm).cdroms).cdrom);
      const file = text(record(cdrom?.file).id);
      if (file !== undefined && !isIsoAvailable(model, file)) {
        throw conflict(`Cannot run VM. The ISO file ${file} is not available in the Data Center.`);
      }
      return actionDone(startVm(model, vm(id), ctxOf(req), file), 'vm', 'vms', id);
    },
    true,
  );
  for (const verb of ['stop', 'shutdown']) {
    add(
      'POST',
      `/vms/${ID}/${verb}`,
      (req, [id = '']) => actionDone(stopVm(model, vm(id), ctxOf(req)), 'vm', 'vms', id),
      true,
    );
  }
  add('DELETE', `/vms/${ID}`, (req, [id = '']) => {
    removeVm(model, vm(id), ctxOf(req), flag(req.query.get('detach_only'), false));
    return { status: 200, empty: true };
  });
  add('GET', `/vms/${ID}/diskattachments`, (_req, [id = '']) => {
    const v = vm(id);
    const disks = v.diskIds.flatMap((diskId) => model.disks.filter((d) => d.id === diskId));
    return list('disk_attachment', 'disk_attachments', disks, (d) =>
      renderDiskAttachment(v, d, d === disks[0]),
    );
  });
  // The CD drive (ovirt-api.md §5.1): the list always shows the saved configuration; the drive
  // shows the running VM's CD with `current`. The engine ignores the drive id.
  add('GET', `/vms/${ID}/cdroms`, (_req, [id = '']) =>
    list('cdrom', 'cdroms', [vm(id)], (v) => renderCdrom(v)),
  );
  add('GET', `/vms/${ID}/cdroms/${ID}`, (req, [id = '']) =>
    ok(renderCdrom(vm(id), flag(req.query.get('current'), false)), 'cdrom'),
  );
  add('PUT', `/vms/${ID}/cdroms/${ID}`, (req, [id = '']) => {
    const v = vm(id);
    const current = flag(req.query.get('current'), false);
    changeCd(model, v, req.body, current);
    return ok(renderCdrom(v, current), 'cdrom');
  });

  // Storage domains, global view (§4).
  add('GET', '/storagedomains', (req) => {
    const found = applySearch(
      model.storageDomains,
      req.query.get('search'),
      {
        name: (s) => s.name,
        type: (s) => s.type,
        datacenter: (s) => model.dataCenters.find((d) => d.id === s.dataCenterId)?.name,
      },
      'storage domains',
    );
    return list('storage_domain', 'storage_domains', limit(req, found), (s) => renderDomainGlobal(model, s));
  });
  add('GET', `/storagedomains/${ID}`, (_req, [id = '']) =>
    ok(renderDomainGlobal(model, domain(id)), 'storage_domain'),
  );
  add('POST', '/storagedomains', (req) => {
    const storage = record(req.body.storage);
    const h = record(req.body.host);
    const created = addDomain(
      model,
      {
        name: text(req.body.name),
        type: text(req.body.type),
        storageType: text(storage.type),
        address: text(storage.address),
        path: text(storage.path),
        nfsVersion: text(storage.nfs_version),
        host: text(h.id) ?? text(h.name),
      },
      ctxOf(req),
    );
    return {
      ...ok(renderDomainGlobal(model, created), 'storage_domain', 201),
      headers: { Location: `${API}/storagedomains/${created.id}` },
    };
  });
  add('DELETE', `/storagedomains/${ID}`, (req, [id = '']) => {
    removeDomain(
      model,
      domain(id),
      {
        host: req.query.get('host') ?? undefined,
        format: flag(req.query.get('format'), false),
        destroy: flag(req.query.get('destroy'), false),
      },
      ctxOf(req),
    );
    return { status: 200, empty: true };
  });
  add('GET', `/storagedomains/${ID}/files`, (req, [id = '']) => {
    const s = domain(id);
    const names = listDomainFiles(s, flag(req.query.get('refresh'), true));
    return list('file', 'files', names, (name) => renderFile(s, name));
  });
  add('GET', `/storagedomains/${ID}/disks`, (_req, [id = '']) => {
    const s = domain(id);
    const disks = model.disks.filter((d) => d.storageDomainId === s.id);
    return list('disk', 'disks', disks, renderDisk);
  });

  // Disks (§5.2 step 1, §4.6).
  add('GET', '/disks', (req) => {
    const found = applySearch(
      model.disks,
      req.query.get('search'),
      {
        id: (d) => d.id,
        name: (d) => d.name,
        alias: (d) => d.name,
        status: (d) => d.status,
        disk_type: () => 'image',
        disk_content_type: (d) => d.contentType,
        storage: (d) => model.storageDomains.find((s) => s.id === d.storageDomainId)?.name,
      },
      'disks',
    );
    return list('disk', 'disks', limit(req, found), renderDisk);
  });
  add('GET', `/disks/${ID}`, (_req, [id = '']) =>
    ok(renderDisk(model.findDisk(id) ?? throwNotFound()), 'disk'),
  );
  add('POST', '/disks', (req) => {
    const domains = record(req.body.storage_domains);
    const target = firstOf(domains.storage_domain);
    const disk = addDisk(
      model,
      {
        name: text(req.body.name) ?? text(req.body.alias),
        description: text(req.body.description),
        contentType: text(req.body.content_type),
        format: text(req.body.format),
        sparse: req.body.sparse === undefined ? undefined : flag(text(req.body.sparse) ?? null, false),
        provisionedSize:
          req.body.provisioned_size === undefined ? undefined : Number(req.body.provisioned_size),
        storageDomain: text(target?.id) ?? text(target?.name),
      },
      ctxOf(req),
    );
    // §2.5: an add that leaves async tasks answers 202 with the entity.
    return {
      ...ok({ ...renderDisk(disk), creation_status: 'in_progress' }, 'disk', 202),
      headers: { Location: `${API}/disks/${disk.id}` },
    };
  });
  add('PUT', `/disks/${ID}`, (req, [id = '']) => {
    const disk = model.findDisk(id) ?? throwNotFound();
    updateDisk(model, disk, {
      name: text(req.body.name) ?? text(req.body.alias),
      description: text(req.body.description),
      qcowVersion: text(req.body.qcow_version),
    });
    return ok(renderDisk(disk), 'disk');
  });
  add('DELETE', `/disks/${ID}`, (req, [id = '']) => {
    removeDisk(model, model.findDisk(id) ?? throwNotFound(), ctxOf(req));
    return { status: 200, empty: true };
  });

  // Image transfers (§5.2).
  const transfer = (id: string) => model.findTransfer(id) ?? throwNotFound();
  add('GET', '/imagetransfers', (req) =>
    list('image_transfer', 'image_transfers', limit(req, model.transfers), (t) =>
      renderTransfer(t, model.engine),
    ),
  );
  add('GET', `/imagetransfers/${ID}`, (_req, [id = '']) =>
    ok(renderTransfer(transfer(id), model.engine), 'image_transfer'),
  );
  add('POST', '/imagetransfers', (req) => {
    const created = addTransfer(
      model,
      {
        diskId: text(record(req.body.disk).id) ?? text(record(req.body.image).id),
        direction: text(req.body.direction),
        format: text(req.body.format),
        inactivityTimeout:
          req.body.inactivity_timeout === undefined ? undefined : Number(req.body.inactivity_timeout),
        timeoutPolicy: text(req.body.timeout_policy),
        host: text(record(req.body.host).id) ?? text(record(req.body.host).name),
      },
      deps.transfers,
      ctxOf(req),
    );
    return {
      ...ok(renderTransfer(created, model.engine), 'image_transfer', 201),
      headers: { Location: `${API}/imagetransfers/${created.id}` },
    };
  });
  add(
    'POST',
    `/imagetransfers/${ID}/finalize`,
    (req, [id = '']) => {
      const job = finalizeTransfer(model, transfer(id), deps.transfers.imageio, ctxOf(req));
      return actionDone(job, 'image_transfer', 'imagetransfers', id);
    },
    true,
  );
  add(
    'POST',
    `/imagetransfers/${ID}/cancel`,
    (req, [id = '']) => {
      const job = cancelTransfer(model, transfer(id), deps.transfers.imageio, ctxOf(req));
      return actionDone(job, 'image_transfer', 'imagetransfers', id);
    },
    true,
  );

  // Events (§6.5): `from` is strictly greater; newest first by index.
  add('GET', '/events', (req) => {
    const from = req.query.get('from');
    let found = from === null ? model.events : model.events.filter((e) => e.index > Number(from));
    found = applySearch(
      found,
      req.query.get('search'),
      { type: (e) => String(e.code), severity: (e) => e.severity, correlation_id: (e) => e.correlationId },
      'events',
    );
    const newestFirst = [...found].sort((a, b) => b.index - a.index);
    return list('event', 'events', limit(req, newestFirst), (e) => renderEvent(model, e));
  });
  add('GET', `/events/${ID}`, (_req, [id = '']) => {
    const event = model.events.find((e) => String(e.index) === id) ?? throwNotFound();
    return ok(renderEvent(model, event), 'event');
  });

  // Jobs (§2.5): searchable by correlation id.
  add('GET', '/jobs', (req) => {
    const found = applySearch(
      model.jobs,
      req.query.get('search'),
      { correlation_id: (j) => j.correlationId, status: (j) => j.status, description: (j) => j.description },
      'jobs',
    );
    const newestFirst = [...found].reverse();
    return list('job', 'jobs', limit(req, newestFirst), (j) => renderJob(model, j));
  });
  const job = (id: string) => model.jobs.find((j) => j.id === id) ?? throwNotFound();
  add('GET', `/jobs/${ID}`, (_req, [id = '']) => ok(renderJob(model, job(id)), 'job'));
  add('GET', `/jobs/${ID}/steps`, (_req, [id = '']) => list('step', 'steps', [job(id)], renderJobStep));

  return (req) => {
    for (const route of routes) {
      const match = route.method === req.method ? route.pattern.exec(req.path) : null;
      if (!match) continue;
      try {
        return route.handler(req, match.slice(1).map(decodeURIComponent));
      } catch (error) {
        if (!(error instanceof EngineFault)) throw error;
        return renderFault(error, route.action);
      }
    }
    const known = routes.some((route) => route.pattern.test(req.path));
    if (known) {
      return ok(
        { reason: 'Method Not Allowed', detail: `${req.method} is not supported here` },
        'fault',
        405,
      );
    }
    return { status: 404, empty: true };
  };
}

/** §2.4: plain faults are bare `{reason, detail}`; action failures wrap the fault with `status: failed`. */
export function renderFault(fault: EngineFault, action: boolean): ApiAnswer {
  if (fault.emptyBody) return { status: fault.status, empty: true };
  const body = { reason: fault.reason, detail: fault.detail };
  return action
    ? { status: fault.status, body: { fault: body, status: 'failed' }, xmlRoot: 'action' }
    : { status: fault.status, body, xmlRoot: 'fault' };
}

/** A CD file the engine takes: a disk id or a name ending in `.iso` (ChangeDisk, VmBase.isoPath). */
const CD_FILE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|.*\.iso)$/i;

/**
 * `PUT /vms/{id}/cdroms/{cdrom}`: with `current` the engine's ChangeDisk (the running VM only),
 * without it UpdateVm (the saved configuration, seen at the next boot). A body without `file.id`
 * ejects the CD.
 */
function changeCd(model: EngineModel, vm: Vm, body: Record<string, unknown>, current: boolean): void {
  if (body.file === undefined || body.file === null) {
    throw new EngineFault(400, 'Incomplete parameters', 'Cdrom [file] required for update');
  }
  const file = text(record(body.file).id) ?? '';
  if (current && file !== '' && vm.cdromCurrent === file) return;
  const verb = current ? (file === '' ? 'Eject CD' : 'Change CD') : 'edit';
  if (current && vm.status === 'down') {
    throw conflict(`Cannot ${verb} VM because the VM is in Down status.`);
  }
  if (file !== '' && !CD_FILE.test(file)) throw conflict(`Cannot ${verb} VM. Invalid CD image format.`);
  if (file !== '' && !isIsoAvailable(model, file)) {
    throw conflict(`Cannot change CD. The ISO file ${file} is not available in the Data Center.`);
  }
  if (current) vm.cdromCurrent = file === '' ? undefined : file;
  else vm.cdromSaved = file === '' ? undefined : file;
}

/** Whether a run-once CD file exists: a file on an active ISO domain, or an ISO disk that is ok. */
function isIsoAvailable(model: EngineModel, file: string): boolean {
  const disk = model.disks.find(
    (d) => d.contentType === 'iso' && d.status === 'ok' && (d.id === file || d.name === file),
  );
  if (disk) return true;
  return model.storageDomains.some(
    (s) =>
      s.type === 'iso' &&
      s.status === 'active' &&
      s.server.files.get(`${s.path}/${s.id}/images/${ISO_IMAGE_DIR}/${file}`)?.kind === 'file',
  );
}

function throwNotFound(): never {
  throw notFound();
}

/** Scalars arrive as strings or numbers (§2.3); both are read as text. */
function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function firstOf(value: unknown): Record<string, unknown> | undefined {
  if (Array.isArray(value)) return value.length > 0 ? record(value[0]) : undefined;
  return value === undefined ? undefined : record(value);
}

/** §1.5: booleans are lenient (t/true/y/yes/1, f/false/n/no/0) and an empty value means true. */
export function flag(value: string | null, fallback: boolean): boolean {
  if (value === null) return fallback;
  const v = value.trim().toLowerCase();
  if (v === '' || ['t', 'true', 'y', 'yes', '1'].includes(v)) return true;
  if (['f', 'false', 'n', 'no', '0'].includes(v)) return false;
  return fallback;
}

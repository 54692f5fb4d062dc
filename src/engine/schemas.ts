import { z } from 'zod';
import type {
  ApiInfo,
  Cluster,
  DataCenter,
  Disk,
  DomainFile,
  EngineEvent,
  EngineJob,
  Host,
  ImageTransfer,
  StorageDomain,
  Vm,
} from './types.js';
import { parseEngineVersion } from './versions.js';

/*
 * zod schemas for every engine answer the client reads. ovirt-api.md §2.3: booleans and 32-bit
 * integers arrive as strings, 64-bit sizes and dates as numbers — and a different engine build may
 * swap them — so every scalar is parsed tolerantly. Unknown keys are kept out of the parsed values
 * (z.object strips them) so the rest of labops sees only what it asked for. Beside each schema, its
 * mapper to the plain type of types.ts (`toHost`, `toVm`, …).
 */

const TRUE_WORDS = new Set(['true', 't', 'y', 'yes', '1']);

/** `"true"`, `true`, `"1"` … → boolean (ovirt-api.md §1.5: the engine parses booleans leniently). */
export const BoolSchema = z
  .union([z.boolean(), z.string(), z.number()])
  .transform((v) => (typeof v === 'boolean' ? v : TRUE_WORDS.has(String(v).trim().toLowerCase())));

/** A number sent as a string (`"54321"`) or a number. */
export const NumberSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a number: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return n;
});

/** JSON dates are epoch milliseconds (§2.3); an ISO string is accepted too. */
export const DateSchema = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return new Date(ms);
});

/** A link to a related object: `{"href": "...", "id": "..."}` (§2.1). */
export const LinkSchema = z.object({ id: z.string(), href: z.string().optional() });

/** A top-level collection: `{"host":[...]}`, a missing key being an empty list (§2.2). */
export function collectionOf<T extends z.ZodType>(key: string, item: T): CollectionSchema<T> {
  // One schema per item schema and key: zod compiles a schema's parser on its first parse, and the
  // engine's reads ask for the same few collections at every request (a new schema each time cost
  // a compile per read and its garbage: 4 % of the bot's CPU answering a burst of commands).
  let byKey = collections.get(item);
  if (!byKey) {
    byKey = new Map();
    collections.set(item, byKey);
  }
  const known = byKey.get(key);
  if (known) return known as CollectionSchema<T>;
  const made = z
    .object({ [key]: z.array(item).optional() })
    .transform((o) => (o[key] ?? []) as z.output<T>[]);
  byKey.set(key, made);
  return made;
}

type CollectionSchema<T extends z.ZodType> = z.ZodPipe<
  z.ZodObject<{ [x: string]: z.ZodOptional<z.ZodArray<T>> }>,
  z.ZodTransform<z.output<T>[], { [x: string]: z.output<T>[] | undefined }>
>;

/** collectionOf's schemas, by item schema, then key. */
const collections = new WeakMap<z.ZodType, Map<string, z.ZodType>>();

/** A nested list inside an object keeps the XML wrapper level: `{"data_center":[...]}` (§2.2). */
export function wrappedListOf<T extends z.ZodType>(key: string, item: T) {
  return z
    .object({ [key]: z.array(item).optional() })
    .optional()
    .transform((o) => (o?.[key] ?? []) as z.output<T>[]);
}

export const SsoTokenSchema = z.object({ access_token: z.string().min(1) });

export const ApiRootSchema = z.object({
  product_info: z
    .object({
      name: z.string().optional(),
      version: z
        .object({
          major: NumberSchema.optional(),
          minor: NumberSchema.optional(),
          build: NumberSchema.optional(),
          revision: NumberSchema.optional(),
          full_version: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
  time: DateSchema.optional(),
});

export function toApiInfo(root: z.output<typeof ApiRootSchema>): ApiInfo {
  return {
    productName: root.product_info?.name,
    version: root.product_info?.version?.full_version,
    engineVersion: parseEngineVersion(root.product_info?.version),
  };
}

export const DataCenterSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string().optional(),
  local: BoolSchema.optional(),
  version: z.object({ major: NumberSchema, minor: NumberSchema }).optional(),
});
export type DataCenterJson = z.output<typeof DataCenterSchema>;

export function toDataCenter(dc: DataCenterJson): DataCenter {
  return { id: dc.id, name: dc.name, status: dc.status ?? 'unknown' };
}

export const ClusterSchema = z.object({
  id: z.string(),
  name: z.string(),
  data_center: LinkSchema.optional(),
});

export function toCluster(c: z.output<typeof ClusterSchema>): Cluster {
  return { id: c.id, name: c.name, dataCenterId: c.data_center?.id };
}

export const HostSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string().optional(),
  status: z.string(),
  cluster: LinkSchema.optional(),
  memory: NumberSchema.optional(),
  summary: z
    .object({
      active: NumberSchema.optional(),
      migrating: NumberSchema.optional(),
      total: NumberSchema.optional(),
    })
    .optional(),
  spm: z.object({ status: z.string().optional(), priority: NumberSchema.optional() }).optional(),
});

export function toHost(h: z.output<typeof HostSchema>): Host {
  return {
    id: h.id,
    name: h.name,
    address: h.address,
    status: h.status,
    clusterId: h.cluster?.id,
    isSpm: h.spm?.status === 'spm',
    vms: {
      active: h.summary?.active ?? 0,
      migrating: h.summary?.migrating ?? 0,
      total: h.summary?.total ?? 0,
    },
    memoryBytes: h.memory,
  };
}

export const VmSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  host: LinkSchema.optional(),
  cluster: LinkSchema.optional(),
  memory: NumberSchema.optional(),
  placement_policy: z
    .object({
      affinity: z.string().optional(),
      hosts: wrappedListOf('host', LinkSchema.partial({ id: true }).extend({ name: z.string().optional() })),
    })
    .optional(),
});

export function toVm(v: z.output<typeof VmSchema>): Vm {
  return {
    id: v.id,
    name: v.name,
    status: v.status,
    hostId: v.host?.id,
    clusterId: v.cluster?.id,
    affinity: v.placement_policy?.affinity ?? 'migratable',
    placementHostIds: (v.placement_policy?.hosts ?? []).flatMap((h) => (h.id ? [h.id] : [])),
    memoryBytes: v.memory,
  };
}

export const StorageDomainSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  /** Absent in the global view of an attached domain (§4.3). */
  status: z.string().optional(),
  external_status: z.string().optional(),
  master: BoolSchema.optional(),
  available: NumberSchema.optional(),
  used: NumberSchema.optional(),
  committed: NumberSchema.optional(),
  storage: z
    .object({
      type: z.string().optional(),
      address: z.string().optional(),
      path: z.string().optional(),
    })
    .optional(),
  data_centers: wrappedListOf('data_center', LinkSchema),
});

export function toStorageDomain(sd: z.output<typeof StorageDomainSchema>): StorageDomain {
  return {
    id: sd.id,
    name: sd.name,
    type: sd.type,
    status: sd.status,
    isMaster: sd.master ?? false,
    availableBytes: sd.available,
    usedBytes: sd.used,
    storage: { type: sd.storage?.type, address: sd.storage?.address, path: sd.storage?.path },
    dataCenterIds: sd.data_centers.map((dc) => dc.id),
  };
}

export const FileSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  type: z.string().optional(),
});

export function toDomainFile(f: z.output<typeof FileSchema>): DomainFile {
  return { id: f.id, name: f.name ?? f.id };
}

export const DiskSchema = z.object({
  id: z.string(),
  name: z.string().optional(),
  status: z.string().optional(),
  content_type: z.string().optional(),
  format: z.string().optional(),
  provisioned_size: NumberSchema.optional(),
  actual_size: NumberSchema.optional(),
  description: z.string().optional(),
  storage_domains: wrappedListOf('storage_domain', LinkSchema),
});

export function toDisk(d: z.output<typeof DiskSchema>): Disk {
  return {
    id: d.id,
    name: d.name,
    description: d.description,
    status: d.status,
    contentType: d.content_type,
    format: d.format,
    provisionedBytes: d.provisioned_size,
    actualBytes: d.actual_size,
    storageDomainIds: d.storage_domains.map((s) => s.id),
  };
}

export const CdromSchema = z.object({ id: z.string(), file: z.object({ id: z.string() }).optional() });

export const DiskAttachmentSchema = z.object({ id: z.string(), disk: LinkSchema.optional() });

export const ImageTransferSchema = z.object({
  id: z.string(),
  phase: z.string(),
  direction: z.string().optional(),
  transfer_url: z.string().optional(),
  proxy_url: z.string().optional(),
  transferred: NumberSchema.optional(),
  active: BoolSchema.optional(),
  disk: LinkSchema.optional(),
  /** The disk, as a 4.3 engine links it (ovirt-api.md §5.2). */
  image: LinkSchema.optional(),
  host: LinkSchema.optional(),
});

export function toImageTransfer(t: z.output<typeof ImageTransferSchema>): ImageTransfer {
  return {
    id: t.id,
    phase: t.phase,
    transferUrl: t.transfer_url,
    proxyUrl: t.proxy_url,
    transferredBytes: t.transferred,
    // A 4.3 engine links the transfer's disk as `image`, later ones as `disk` (§5.2).
    diskId: t.disk?.id ?? t.image?.id,
  };
}

export const EventSchema = z.object({
  id: z.string(),
  index: NumberSchema,
  code: NumberSchema,
  description: z.string().optional().default(''),
  severity: z.string().optional().default('normal'),
  time: DateSchema.optional(),
  correlation_id: z.string().optional(),
  host: LinkSchema.optional(),
  vm: LinkSchema.optional(),
  storage_domain: LinkSchema.optional(),
  data_center: LinkSchema.optional(),
});

export function toEngineEvent(e: z.output<typeof EventSchema>): EngineEvent {
  return {
    id: e.id,
    index: e.index,
    code: e.code,
    description: e.description,
    severity: e.severity,
    time: e.time,
    correlationId: e.correlation_id,
    hostId: e.host?.id,
    vmId: e.vm?.id,
    storageDomainId: e.storage_domain?.id,
  };
}

export const JobSchema = z.object({
  id: z.string(),
  description: z.string().optional().default(''),
  status: z.string(),
  start_time: DateSchema.optional(),
  end_time: DateSchema.optional(),
});

export function toEngineJob(j: z.output<typeof JobSchema>): EngineJob {
  return {
    id: j.id,
    description: j.description,
    status: j.status,
    startTime: j.start_time,
    endTime: j.end_time,
  };
}

/** An action's answer (§2.5): `status` complete/pending/in_progress/failed, maybe a job link. */
export const ActionResultSchema = z.object({
  status: z.string().optional(),
  job: LinkSchema.optional(),
  fault: z.object({ reason: z.string().optional(), detail: z.string().optional() }).optional(),
});

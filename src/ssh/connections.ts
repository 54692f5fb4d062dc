import { readFile } from 'node:fs/promises';
import type { AnyAuthMethod, Client as SshClient } from 'ssh2';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import type { Logger } from '../log.js';
import { fingerprintOf } from './host-key.js';

type Ssh2 = typeof import('ssh2');
let ssh2: Promise<Ssh2> | undefined;

/**
 * ssh2, loaded by the first connection: at import it compiles a WebAssembly module with 16 MB of
 * memory, which a bot that runs no runbook does not need (issue 12 §6, idle memory).
 */
function loadSsh2(): Promise<Ssh2> {
  // ssh2 is CommonJS: under Node's ESM loader only its default export is reliable.
  ssh2 ??= import('ssh2').then((module) => module.default);
  return ssh2;
}

/** Where a machine's sshd listens and who labops logs in as. */
export interface SshTarget {
  /** The machine's name in the lab (hyper1, storage …). */
  machine: string;
  host: string;
  port: number;
  user: string;
  /** The fingerprint pinned in lab.yml (`ssh.host_key`); a pin from `/host trust` is asked for otherwise. */
  hostKey?: string | undefined;
}

/** How labops logs in and keeps its connections alive. */
export interface SshConnectionOptions {
  /** The bot's private key (OpenSSH or PEM, unencrypted). */
  privateKey?: Buffer | string | undefined;
  /** Read at the first connection when `privateKey` is not given (LABOPS_SSH_KEY_FILE). */
  privateKeyFile?: string | undefined;
  /** For a first login to a host that lacks the bot's key; sent only in the SSH password exchange. */
  password?: string | undefined;
  /** A fingerprint pinned by `/host trust`, for machines whose lab.yml pins none. */
  getPinnedHostKey?: ((machine: string) => Promise<string | undefined>) | undefined;
  readyTimeoutMs?: number | undefined;
  /** ssh-harness.md: keepalive is off by default in ssh2, and a cut peer then hangs forever. */
  keepaliveIntervalMs?: number | undefined;
  keepaliveCountMax?: number | undefined;
  logger?: Logger | undefined;
  /** Told when a machine's connection opened (logged in), closed after that, or failed to open (metrics). */
  observe?: SshObserver | undefined;
}

export type SshObserver = (event: { machine: string; type: 'opened' | 'closed' | 'failed' }) => void;

/** One connection to a machine, shared by the commands run there. */
export interface Connection {
  client: SshClient;
  ready: Promise<void>;
  closed: boolean;
  active: number;
  waiting: (() => void)[];
  /** Called when the connection is lost while channels are open. */
  onLost: Set<(error: LabopsError) => void>;
}

/** The open connections of the runner, one per machine. */
export interface SshConnections {
  /** The machine's connection once logged in; a lost or failed one is replaced by a new one. */
  getConnection(target: SshTarget): Promise<Connection>;
  /** Handshakes only (no login) and answers the fingerprint the machine offers, for `/host trust`. */
  fetchHostKey(target: SshTarget): Promise<{ fingerprint: string }>;
  /** Ends every connection. */
  close(): Promise<void>;
}

/** `hyper1 (192.0.2.11:22)`: a machine as messages name it. */
export function describeTarget(t: SshTarget): string {
  return `${t.machine} (${t.host}:${t.port})`;
}

/** Creates the connection pool; a connection opens on first use. */
export function createSshConnections(options: SshConnectionOptions): SshConnections {
  const connections = new Map<string, Connection>();
  const readyTimeout = options.readyTimeoutMs ?? 10_000;
  const keepaliveInterval = options.keepaliveIntervalMs ?? 10_000;
  const keepaliveCountMax = options.keepaliveCountMax ?? 3;
  const logger = options.logger;
  const observe = (machine: string, type: 'opened' | 'closed' | 'failed'): void => {
    try {
      options.observe?.({ machine, type });
    } catch (error) {
      logger?.warn({ err: (error as Error).message }, 'an SSH connection observer failed');
    }
  };
  let keyPromise: Promise<Buffer | string | undefined> | undefined;

  const loadKey = (): Promise<Buffer | string | undefined> => {
    keyPromise ??= (async () => {
      if (options.privateKey !== undefined) return options.privateKey;
      if (options.privateKeyFile === undefined) return undefined;
      try {
        return await readFile(options.privateKeyFile);
      } catch (error) {
        if (options.password !== undefined) return undefined;
        throw new LabopsError(
          'SSH_FAILED',
          msg('ssh.key.unreadable', {
            file: options.privateKeyFile ?? '',
            code: (error as NodeJS.ErrnoException).code ?? 'error',
          }),
          { hint: msg('ssh.key.unreadableHint') },
        );
      }
    })();
    return keyPromise;
  };

  const pinOf = async (target: SshTarget): Promise<string | undefined> =>
    target.hostKey ?? (await options.getPinnedHostKey?.(target.machine));

  /** Opens a connection; the host key is checked in the handshake, before any authentication. */
  const connect = ({ Client, utils }: Ssh2, target: SshTarget): Connection => {
    const client = new Client();
    const onLost = new Set<(error: LabopsError) => void>();
    let pinned: string | undefined;
    let offered: string | undefined;
    let lastError: Error | undefined;
    let opened = false;
    const connection: Connection = {
      client,
      ready: Promise.resolve(),
      closed: false,
      active: 0,
      waiting: [],
      onLost,
    };
    connection.ready = (async () => {
      pinned = await pinOf(target);
      const key = await loadKey();
      const username = target.user;
      const methods: AnyAuthMethod[] = [];
      if (key !== undefined) methods.push({ type: 'publickey', username, key: parsePrivateKey(utils, key) });
      if (options.password !== undefined)
        methods.push({ type: 'password', username, password: options.password });
      if (methods.length === 0) {
        throw new LabopsError('SSH_FAILED', msg('ssh.key.none', { machine: target.machine }), {
          hint: msg('ssh.key.noneHint'),
        });
      }
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const fail = (error: LabopsError): void => {
          if (settled) return;
          settled = true;
          reject(error);
        };
        // ssh-harness.md: a handshake timeout raises `error` twice; this listener stays for the
        // connection's whole life so no `error` is ever unhandled.
        client.on('error', (error: Error & { level?: string }) => {
          lastError = error;
          logger?.debug({ machine: target.machine, level: error.level, err: error.message }, 'ssh error');
          fail(translateConnectError(target, error, pinned, offered));
        });
        client.on('ready', () => {
          settled = true;
          opened = true;
          observe(target.machine, 'opened');
          resolve();
        });
        client.on('close', () => {
          if (opened) observe(target.machine, 'closed');
          connection.closed = true;
          if (connections.get(target.machine) === connection) connections.delete(target.machine);
          const lost = new LabopsError(
            'SSH_FAILED',
            lastError
              ? msg('ssh.connect.lostSaid', {
                  target: describeTarget(target),
                  error: verbatim(lastError.message),
                })
              : msg('ssh.connect.lost', { target: describeTarget(target) }),
          );
          fail(lost);
          for (const listener of [...onLost]) listener(lost);
        });
        try {
          client.connect({
            host: target.host,
            port: target.port,
            username,
            authHandler: methods,
            readyTimeout,
            keepaliveInterval,
            keepaliveCountMax,
            hostVerifier: (raw: Buffer) => {
              offered = fingerprintOf(raw);
              return pinned !== undefined && offered === pinned;
            },
          });
          // ssh-harness.md: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms per round trip.
          client.setNoDelay(true);
        } catch (error) {
          fail(
            new LabopsError('SSH_FAILED', msg('ssh.connect.cannot', { target: describeTarget(target) }), {
              cause: error,
            }),
          );
        }
      });
      logger?.debug({ machine: target.machine }, 'ssh connected');
    })();
    connection.ready.catch(() => {
      if (!opened) observe(target.machine, 'failed');
      connection.closed = true;
      if (connections.get(target.machine) === connection) connections.delete(target.machine);
      client.end();
    });
    return connection;
  };

  const getConnection = async (target: SshTarget): Promise<Connection> => {
    // Loaded first: from here to the map's update nothing awaits, so one connection per machine.
    const lib = await loadSsh2();
    let connection = connections.get(target.machine);
    if (!connection || connection.closed) {
      connection = connect(lib, target);
      connections.set(target.machine, connection);
    }
    await connection.ready;
    return connection;
  };

  const fetchHostKey = async (target: SshTarget): Promise<{ fingerprint: string }> => {
    const { Client } = await loadSsh2();
    const client = new Client();
    return new Promise((resolve, reject) => {
      let offered: string | undefined;
      let settled = false;
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        client.end();
        if (offered !== undefined) resolve({ fingerprint: offered });
        else reject(translateConnectError(target, error ?? new Error('closed'), undefined, undefined));
      };
      client.on('error', (error) => finish(error));
      client.on('close', () => finish());
      client.on('ready', () => finish());
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          readyTimeout,
          // Refusing every key ends the handshake before any authentication is attempted.
          hostVerifier: (raw: Buffer) => {
            offered = fingerprintOf(raw);
            return false;
          },
        });
        client.setNoDelay(true);
      } catch (error) {
        finish(error as Error);
      }
    });
  };

  const close = async (): Promise<void> => {
    const open = [...connections.values()];
    connections.clear();
    await Promise.all(
      open.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (connection.closed) return resolve();
            connection.client.once('close', () => resolve());
            connection.client.end();
            setTimeout(resolve, 1000).unref();
          }),
      ),
    );
  };

  return { getConnection, fetchHostKey, close };
}

/** ssh2 skips a key it cannot parse without saying so; labops says so. */
function parsePrivateKey(utils: Ssh2['utils'], key: Buffer | string): Buffer | string {
  const parsed = utils.parseKey(key);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === undefined || first instanceof Error || !first.isPrivateKey()) {
    throw new LabopsError('SSH_FAILED', msg('ssh.key.unusable'), { hint: msg('ssh.key.unusableHint') });
  }
  return key;
}

/** An ssh2 failure to connect, as a user reads it: a host key, a login, a timeout or the network. */
function translateConnectError(
  target: SshTarget,
  error: Error & { level?: string; code?: string },
  pinned: string | undefined,
  offered: string | undefined,
): LabopsError {
  const where = describeTarget(target);
  if (offered !== undefined && offered !== pinned && /verif/i.test(error.message)) {
    const hint = msg('ssh.hostKey.hint', { command: verbatim(`/host trust ${target.machine}`) });
    if (pinned === undefined) {
      return new LabopsError('SSH_FAILED', msg('ssh.hostKey.notPinned', { target: where, offered }), {
        hint,
        cause: error,
      });
    }
    return new LabopsError('SSH_FAILED', msg('ssh.hostKey.mismatch', { target: where, pinned, offered }), {
      hint,
      cause: error,
    });
  }
  if (error.level === 'client-authentication') {
    return new LabopsError(
      'SSH_FAILED',
      msg('ssh.connect.loginRefused', { target: where, user: target.user }),
      {
        hint: msg('ssh.connect.loginRefusedHint'),
        cause: error,
      },
    );
  }
  if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
    return new LabopsError('TIMEOUT', msg('ssh.connect.handshakeTimeout', { target: where }), {
      hint: msg('ssh.connect.handshakeTimeoutHint'),
      cause: error,
    });
  }
  if (error.code !== undefined) {
    return new LabopsError(
      'SSH_FAILED',
      msg('ssh.connect.unreachable', { target: where, code: error.code }),
      {
        hint: msg('ssh.connect.unreachableHint'),
        cause: error,
      },
    );
  }
  return new LabopsError(
    'SSH_FAILED',
    msg('ssh.connect.failed', { target: where, error: verbatim(error.message) }),
    {
      cause: error,
    },
  );
}

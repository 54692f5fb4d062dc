import { readFile } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import ssh2, { type AnyAuthMethod, type ClientChannel } from 'ssh2';
import { LabopsError } from '../errors.js';
import { OutcomeUnknownError } from '../jobs/steps.js';
import type { Logger } from '../log.js';
import { fingerprintOf } from './host-key.js';
import { quoteArg } from './quote.js';

// ssh2 is CommonJS: under Node's ESM loader only its default export is reliable.
const { Client, utils } = ssh2;
type SshClient = InstanceType<typeof Client>;

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

export interface SshRunnerOptions {
  targets: readonly SshTarget[];
  /** The bot's private key (OpenSSH or PEM, unencrypted). */
  privateKey?: Buffer | string | undefined;
  /** Read at the first connection when `privateKey` is not given (LABOPS_SSH_KEY_FILE). */
  privateKeyFile?: string | undefined;
  /** For a first login to a host that lacks the bot's key; sent only in the SSH password exchange. */
  password?: string | undefined;
  /** A fingerprint pinned by `/host trust`, for machines whose lab.yml pins none. */
  getPinnedHostKey?: ((machine: string) => string | undefined) | undefined;
  readyTimeoutMs?: number | undefined;
  /** ssh-harness.md: keepalive is off by default in ssh2, and a cut peer then hangs forever. */
  keepaliveIntervalMs?: number | undefined;
  keepaliveCountMax?: number | undefined;
  /** Channels open at once on one connection; the rest wait (sshd's MaxSessions is 10). */
  maxChannels?: number | undefined;
  /** How long a command may run when the caller names no timeout. */
  defaultTimeoutMs?: number | undefined;
  /** How long to wait for a command to stop after TERM before giving its outcome up as unknown. */
  stopGraceMs?: number | undefined;
  logger?: Logger | undefined;
}

export interface ExecOptions {
  signal?: AbortSignal | undefined;
  /** Enforced remotely (`timeout N`) and locally; default `defaultTimeoutMs`. */
  timeoutMs?: number | undefined;
  /** Bulk data for the command, sent on stdin and readable by the script as the file `$LABOPS_DATA`. */
  stdin?: string | Buffer | undefined;
  /** Each line of output as it comes. */
  onLine?: ((line: string, from: 'stdout' | 'stderr') => void) | undefined;
  /** Keep up to this many bytes of stdout in `ExecResult.stdout` (default 1 MiB). */
  captureBytes?: number | undefined;
}

export interface ExecResult {
  /** The exit code, or null when the command died of a signal. */
  exitCode: number | null;
  signal: string | undefined;
  /** The last lines of stdout and stderr together (at most 40 lines and 4 KiB). */
  tail: string[];
  /** The start of stdout, up to `captureBytes`. */
  stdout: string;
  stdoutTruncated: boolean;
}

/** Runs commands on the lab's machines over SSH: one reused connection per machine. */
export interface SshRunner {
  /**
   * Runs a shell script (built with `sh`/`quoteArg` only) on a machine. Resolves when the channel
   * closes with an exit code or signal; rejects with TIMEOUT, CANCELLED (the remote command got
   * TERM), SSH_FAILED (nothing ran), or `OutcomeUnknownError` when the connection was lost while
   * the command ran — it may still be running there.
   */
  exec(machine: string, script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Handshakes only (no login) and answers the fingerprint the machine offers, for `/host trust`. */
  fetchHostKey(machine: string): Promise<{ fingerprint: string }>;
  /** Ends every connection. */
  close(): Promise<void>;
}

export const TAIL_LINES = 40;
export const TAIL_BYTES = 4096;
const DEFAULT_CAPTURE = 1024 * 1024;
/** Exit codes of coreutils `timeout`: the command timed out, or needed KILL after it. */
const TIMEOUT_EXIT_CODES = new Set([124, 137]);
const REMOTE_KILL_AFTER_S = 5;
/** The first stderr line of every command: its process group, for cancel (ASCII RS, never shown). */
const PID_MARKER = '\u001elabops-pgid:';

interface Connection {
  client: SshClient;
  ready: Promise<void>;
  closed: boolean;
  active: number;
  waiting: (() => void)[];
  /** Called when the connection is lost while channels are open. */
  onLost: Set<(error: LabopsError) => void>;
}

/** Creates the SSH runner; connections open on first use. */
export function createSshRunner(options: SshRunnerOptions): SshRunner {
  const targets = new Map(options.targets.map((t) => [t.machine, t]));
  const connections = new Map<string, Connection>();
  const readyTimeout = options.readyTimeoutMs ?? 10_000;
  const keepaliveInterval = options.keepaliveIntervalMs ?? 10_000;
  const keepaliveCountMax = options.keepaliveCountMax ?? 3;
  const maxChannels = options.maxChannels ?? 4;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30 * 60_000;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const logger = options.logger;
  let keyPromise: Promise<Buffer | string | undefined> | undefined;

  const findTarget = (machine: string): SshTarget => {
    const target = targets.get(machine);
    if (!target) {
      throw new LabopsError('NOT_FOUND', `There is no machine named ${machine} in the lab configuration.`, {
        hint: `Known machines: ${[...targets.keys()].join(', ')}.`,
      });
    }
    return target;
  };

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
          `labops cannot read its SSH private key ${options.privateKeyFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
          {
            hint: 'Create it with `ssh-keygen -t ed25519 -N "" -f ~/.ssh/id_ed25519`, or set LABOPS_SSH_KEY_FILE to the key labops should use.',
          },
        );
      }
    })();
    return keyPromise;
  };

  const describeTarget = (t: SshTarget): string => `${t.machine} (${t.host}:${t.port})`;

  const pinOf = (target: SshTarget): string | undefined =>
    target.hostKey ?? options.getPinnedHostKey?.(target.machine);

  /** Opens a connection; the host key is checked in the handshake, before any authentication. */
  const connect = (target: SshTarget): Connection => {
    const client = new Client();
    const onLost = new Set<(error: LabopsError) => void>();
    const pinned = pinOf(target);
    let offered: string | undefined;
    let lastError: Error | undefined;
    const connection: Connection = {
      client,
      ready: Promise.resolve(),
      closed: false,
      active: 0,
      waiting: [],
      onLost,
    };
    connection.ready = (async () => {
      const key = await loadKey();
      const username = target.user;
      const methods: AnyAuthMethod[] = [];
      if (key !== undefined) methods.push({ type: 'publickey', username, key: parsePrivateKey(key) });
      if (options.password !== undefined)
        methods.push({ type: 'password', username, password: options.password });
      if (methods.length === 0) {
        throw new LabopsError(
          'SSH_FAILED',
          `labops has no SSH key or password to log in to ${target.machine}.`,
          {
            hint: 'Set LABOPS_SSH_KEY_FILE to the bot’s private key.',
          },
        );
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
          resolve();
        });
        client.on('close', () => {
          connection.closed = true;
          if (connections.get(target.machine) === connection) connections.delete(target.machine);
          const lost = new LabopsError(
            'SSH_FAILED',
            `The SSH connection to ${describeTarget(target)} was lost${lastError ? ` (${lastError.message})` : ''}.`,
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
            new LabopsError('SSH_FAILED', `Cannot connect to ${describeTarget(target)}.`, { cause: error }),
          );
        }
      });
      logger?.debug({ machine: target.machine }, 'ssh connected');
    })();
    connection.ready.catch(() => {
      connection.closed = true;
      if (connections.get(target.machine) === connection) connections.delete(target.machine);
      client.end();
    });
    return connection;
  };

  const getConnection = async (target: SshTarget): Promise<Connection> => {
    let connection = connections.get(target.machine);
    if (!connection || connection.closed) {
      connection = connect(target);
      connections.set(target.machine, connection);
    }
    await connection.ready;
    return connection;
  };

  const acquire = async (connection: Connection, signal: AbortSignal | undefined): Promise<void> => {
    if (connection.active < maxChannels) {
      connection.active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const go = (): void => {
        signal?.removeEventListener('abort', abort);
        connection.active++;
        resolve();
      };
      const abort = (): void => {
        connection.waiting.splice(connection.waiting.indexOf(go), 1);
        reject(toAbortError(signal));
      };
      connection.waiting.push(go);
      signal?.addEventListener('abort', abort, { once: true });
    });
  };

  const release = (connection: Connection): void => {
    connection.active--;
    connection.waiting.shift()?.();
  };

  const exec = async (
    machine: string,
    script: string,
    execOptions: ExecOptions = {},
  ): Promise<ExecResult> => {
    const target = findTarget(machine);
    const signal = execOptions.signal;
    if (signal?.aborted) throw toAbortError(signal);
    const timeoutMs = execOptions.timeoutMs ?? defaultTimeoutMs;
    const stdin =
      execOptions.stdin === undefined
        ? undefined
        : Buffer.isBuffer(execOptions.stdin)
          ? execOptions.stdin
          : Buffer.from(execOptions.stdin, 'utf8');
    const command = wrapCommand(script, Math.max(1, Math.ceil(timeoutMs / 1000)), stdin?.length);

    let connection = await getConnection(target);
    await acquire(connection, signal);
    let stream: ClientChannel;
    try {
      stream = await openChannel(connection, command);
    } catch (error) {
      release(connection);
      // Nothing ran: a connection that died while idle is replaced once.
      if (!connection.closed) throw error;
      connection = await getConnection(target);
      await acquire(connection, signal);
      try {
        stream = await openChannel(connection, command);
      } catch (again) {
        release(connection);
        throw again;
      }
    }
    return runChannel({
      connection,
      stream,
      target,
      signal,
      timeoutMs,
      stdin,
      onLine: execOptions.onLine,
      captureBytes: execOptions.captureBytes ?? DEFAULT_CAPTURE,
      stopGraceMs,
      release: () => release(connection),
      kill: (pgid) => killRemote(connection, pgid, logger),
      describe: describeTarget(target),
    });
  };

  const fetchHostKey = async (machine: string): Promise<{ fingerprint: string }> => {
    const target = findTarget(machine);
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

  return { exec, fetchHostKey, close };
}

/**
 * The command line sshd runs. Without data, stdin becomes /dev/null at once; with data, the first
 * `LEN` bytes of stdin go to a temporary file (`$LABOPS_DATA`) first. Either way the channel's
 * stdin stays open: ssh2 drops a `signal` request once stdin was closed (ssh-harness.md, Cancel).
 * `timeout` enforces the step's timeout on the machine itself. The shell first reports its PID,
 * the process group to kill on cancel.
 */
export function wrapCommand(script: string, timeoutS: number, stdinBytes: number | undefined): string {
  // The session's shell is its process group's leader (sshd calls setsid); `exec` keeps its PID.
  const env = `LANG=C; LC_ALL=C; export LANG LC_ALL; printf '${PID_MARKER}%s\\n' "$$" >&2;`;
  const timeout = `timeout -k ${REMOTE_KILL_AFTER_S} ${timeoutS}`;
  if (stdinBytes === undefined) return `exec </dev/null; ${env} exec ${timeout} sh -c ${quoteArg(script)}`;
  const inner = [
    'f=$(mktemp) || exit 97',
    `trap 'rm -f -- "$f"' EXIT`,
    "trap 'exit 143' TERM HUP INT",
    `head -c ${stdinBytes} >"$f"`,
    'exec </dev/null',
    'LABOPS_DATA=$f; export LABOPS_DATA',
    `sh -c ${quoteArg(script)}`,
  ].join('\n');
  return `${env} exec ${timeout} sh -c ${quoteArg(inner)}`;
}

/** TERM to a process group, on a channel of its own: outside the queue, since it must not wait. */
function killRemote(connection: Connection, pgid: number, logger: Logger | undefined): void {
  if (connection.closed) return;
  openChannel(connection, `exec </dev/null; kill -s TERM -- -${pgid} ${pgid} 2>/dev/null; exit 0`)
    .then((stream) => {
      stream.on('data', () => undefined);
      stream.stderr.on('data', () => undefined);
      stream.on('error', () => undefined);
    })
    .catch((error: unknown) => logger?.debug({ err: String(error) }, 'ssh kill failed'));
}

/** ssh2 skips a key it cannot parse without saying so; labops says so. */
function parsePrivateKey(key: Buffer | string): Buffer | string {
  const parsed = utils.parseKey(key);
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === undefined || first instanceof Error || !first.isPrivateKey()) {
    throw new LabopsError(
      'SSH_FAILED',
      'labops cannot use its SSH private key: it is not an unencrypted private key.',
      {
        hint: 'Point LABOPS_SSH_KEY_FILE at an OpenSSH private key without a passphrase.',
      },
    );
  }
  return key;
}

/** The exit status of a channel, recorded from the moment it opens. */
const exits = new WeakMap<ClientChannel, { code: number | null; signal: string | undefined }>();

function openChannel(connection: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      connection.client.exec(command, (error, stream) => {
        // `exit` can be emitted in the same tick as the channel opens (coalesced packets): listen now.
        stream?.on('exit', (code: number | null, signalName?: string) => {
          exits.set(stream, { code: code ?? null, signal: signalName ?? undefined });
        });
        if (error) {
          reject(
            new LabopsError('SSH_FAILED', `The machine refused a command channel: ${error.message}.`, {
              cause: error,
            }),
          );
        } else resolve(stream);
      });
    } catch (error) {
      // ssh-harness.md: `client.exec()` throws synchronously once disconnected.
      connection.closed = true;
      reject(new LabopsError('SSH_FAILED', 'The SSH connection is closed.', { cause: error }));
    }
  });
}

interface RunChannelInput {
  connection: Connection;
  stream: ClientChannel;
  target: SshTarget;
  signal: AbortSignal | undefined;
  timeoutMs: number;
  stdin: Buffer | undefined;
  onLine: ((line: string, from: 'stdout' | 'stderr') => void) | undefined;
  captureBytes: number;
  stopGraceMs: number;
  release: () => void;
  /** Sends TERM to a remote process group over another channel of the connection. */
  kill: (pgid: number) => void;
  describe: string;
}

function runChannel(input: RunChannelInput): Promise<ExecResult> {
  const { stream, signal, timeoutMs, connection } = input;
  const started = Date.now();
  const tail = new BoundedTail(TAIL_LINES, TAIL_BYTES);
  const captured: Buffer[] = [];
  let capturedBytes = 0;
  let truncated = false;
  let stopping: LabopsError | undefined;
  let graceTimer: NodeJS.Timeout | undefined;

  return new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    let remotePid: number | undefined;
    let killWanted = false;
    const splitters = {
      stdout: new LineSplitter((line) => emit(line, 'stdout')),
      stderr: new LineSplitter((line) => {
        if (remotePid === undefined && line.startsWith(PID_MARKER)) {
          remotePid = Number(line.slice(PID_MARKER.length));
          if (killWanted) killGroup();
          return;
        }
        emit(line, 'stderr');
      }),
    };
    /**
     * OpenSSH (9.2) refuses `signal` requests on root's sessions ("session signalling requires
     * privilege separation"), so the command's process group also gets TERM from a second channel.
     */
    function killGroup(): void {
      if (remotePid === undefined || !Number.isSafeInteger(remotePid) || remotePid <= 1) {
        killWanted = true;
        return;
      }
      input.kill(remotePid);
    }
    function emit(line: string, from: 'stdout' | 'stderr'): void {
      tail.push(line);
      input.onLine?.(line, from);
    }
    const cleanup = (): void => {
      settled = true;
      clearTimeout(localTimer);
      clearTimeout(graceTimer);
      signal?.removeEventListener('abort', onAbort);
      connection.onLost.delete(onLost);
      input.release();
    };
    const fail = (error: LabopsError): void => {
      if (settled) return;
      cleanup();
      reject(error);
    };
    const stop = (reason: LabopsError): void => {
      if (stopping || settled) return;
      stopping = reason;
      try {
        stream.signal('TERM');
      } catch {
        // The channel is already gone; `close` settles it.
      }
      killGroup();
      graceTimer = setTimeout(() => {
        stream.close();
        fail(
          new OutcomeUnknownError(
            reason.code,
            `${reason.message} The command on ${input.describe} did not stop within ${Math.round(input.stopGraceMs / 1000)} s after TERM; it may still be running.`,
          ),
        );
      }, input.stopGraceMs);
    };
    const onAbort = (): void => stop(toAbortError(signal));
    const onLost = (error: LabopsError): void => {
      fail(
        new OutcomeUnknownError(
          'SSH_FAILED',
          `${error.message} The command may still be running there: its outcome is unknown.`,
          { hint: 'Check the machine, then run the job again: its steps are safe to repeat.', cause: error },
        ),
      );
    };
    const localTimer = setTimeout(
      () =>
        stop(
          new LabopsError(
            'TIMEOUT',
            `The command on ${input.describe} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
          ),
        ),
      timeoutMs + (REMOTE_KILL_AFTER_S + 2) * 1000,
    );
    localTimer.unref();

    connection.onLost.add(onLost);
    signal?.addEventListener('abort', onAbort, { once: true });

    // ssh-harness.md: stdout and stderr share one window; both must always be read.
    stream.on('data', (chunk: Buffer) => {
      splitters.stdout.write(chunk);
      if (capturedBytes < input.captureBytes) {
        const part = chunk.subarray(0, input.captureBytes - capturedBytes);
        captured.push(part);
        capturedBytes += part.length;
        if (part.length < chunk.length) truncated = true;
      } else truncated = true;
    });
    stream.stderr.on('data', (chunk: Buffer) => splitters.stderr.write(chunk));

    stream.on('error', () => undefined);
    // ssh-harness.md: `close` comes after all output, `exit` may come before it.
    stream.on('close', () => {
      splitters.stdout.end();
      splitters.stderr.end();
      if (settled) return;
      const exit = exits.get(stream);
      if (stopping) {
        fail(stopping);
        return;
      }
      if (!exit) {
        // The connection is suspect (its `close` may not have arrived yet): the next exec reconnects.
        connection.closed = true;
        connection.client.end();
        onLost(
          new LabopsError(
            'SSH_FAILED',
            `The SSH channel to ${input.describe} closed without an exit status.`,
          ),
        );
        return;
      }
      if (
        exit.code !== null &&
        TIMEOUT_EXIT_CODES.has(exit.code) &&
        Date.now() - started >= timeoutMs - 100
      ) {
        fail(
          new LabopsError(
            'TIMEOUT',
            `The command on ${input.describe} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped there.`,
          ),
        );
        return;
      }
      cleanup();
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        tail: tail.lines(),
        stdout: Buffer.concat(captured).toString('utf8'),
        stdoutTruncated: truncated,
      });
    });
    if (input.stdin) stream.write(input.stdin);
    if (signal?.aborted) onAbort();
  });
}

function toAbortError(signal: AbortSignal | undefined): LabopsError {
  const reason: unknown = signal?.reason;
  if (reason instanceof LabopsError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new LabopsError('TIMEOUT', 'The step ran out of time; its command was stopped.', {
      cause: reason,
    });
  }
  return new LabopsError('CANCELLED', 'The command was cancelled.', { cause: reason });
}

function translateConnectError(
  target: SshTarget,
  error: Error & { level?: string; code?: string },
  pinned: string | undefined,
  offered: string | undefined,
): LabopsError {
  const where = `${target.machine} (${target.host}:${target.port})`;
  if (offered !== undefined && offered !== pinned && /verif/i.test(error.message)) {
    const hint = `If the machine was reinstalled, compare the key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run \`/host trust ${target.machine}\` to pin it.`;
    if (pinned === undefined) {
      return new LabopsError(
        'SSH_FAILED',
        `The SSH host key of ${where} is not pinned: it offered ${offered} (pinned: none). labops refused it before logging in.`,
        { hint, cause: error },
      );
    }
    return new LabopsError(
      'SSH_FAILED',
      `The SSH host key of ${where} does not match its pin: pinned ${pinned}, offered ${offered}. labops refused it before logging in; someone may be intercepting the connection.`,
      { hint, cause: error },
    );
  }
  if (error.level === 'client-authentication') {
    return new LabopsError('SSH_FAILED', `${where} refused labops's login as ${target.user}.`, {
      hint: "Install the bot's public key in the machine's authorized_keys (a first login may use LABOPS_SSH_PASSWORD).",
      cause: error,
    });
  }
  if (error.level === 'client-timeout' || /timed out/i.test(error.message)) {
    return new LabopsError('TIMEOUT', `${where} did not complete the SSH handshake in time.`, {
      hint: 'Check that sshd runs there and that nothing filters the port.',
      cause: error,
    });
  }
  if (error.code !== undefined) {
    return new LabopsError('SSH_FAILED', `Cannot reach ${where}: ${error.code}.`, {
      hint: 'Check the address and port in lab.yml, and that sshd runs on the machine.',
      cause: error,
    });
  }
  return new LabopsError('SSH_FAILED', `SSH to ${where} failed: ${error.message}.`, { cause: error });
}

/** Splits a byte stream into lines; a line longer than TAIL_BYTES keeps only its end. */
class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private clipped = false;

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer): void {
    const text = this.pending + this.decoder.write(chunk);
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline >= 0) {
      this.flush(text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    this.pending = text.slice(start);
    if (this.pending.length > TAIL_BYTES) {
      this.pending = this.pending.slice(this.pending.length - TAIL_BYTES);
      this.clipped = true;
    }
  }

  end(): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest !== '') this.flush(rest);
  }

  private flush(line: string): void {
    const clipped = this.clipped || line.length > TAIL_BYTES;
    const body = line.length > TAIL_BYTES ? line.slice(line.length - TAIL_BYTES) : line;
    this.clipped = false;
    this.onLine((clipped ? `…${body}` : body).replace(/\r$/, ''));
  }
}

/** The last lines of output, at most `maxLines` lines and `maxBytes` characters. */
export class BoundedTail {
  private readonly buffer: string[] = [];
  private size = 0;

  constructor(
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  push(line: string): void {
    this.buffer.push(line);
    this.size += line.length + 1;
    while (this.buffer.length > this.maxLines || (this.size > this.maxBytes && this.buffer.length > 1)) {
      this.size -= (this.buffer.shift()?.length ?? 0) + 1;
    }
  }

  lines(): string[] {
    return [...this.buffer];
  }
}

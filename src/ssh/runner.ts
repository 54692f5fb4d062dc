import type { ClientChannel } from 'ssh2';
import { LabopsError } from '../errors.js';
import { list, msg } from '../i18n/text.js';
import {
  createSshConnections,
  describeTarget,
  type SshConnectionOptions,
  type SshTarget,
} from './connections.js';
import {
  acquireChannel,
  type ExecOptions,
  type ExecResult,
  killRemote,
  openChannel,
  releaseChannel,
  runChannel,
  toAbortError,
  wrapCommand,
} from './exec.js';

export interface SshRunnerOptions extends SshConnectionOptions {
  targets: readonly SshTarget[];
  /** Channels open at once on one connection; the rest wait (sshd's MaxSessions is 10). */
  maxChannels?: number | undefined;
  /** How long a command may run when the caller names no timeout. */
  defaultTimeoutMs?: number | undefined;
  /** How long to wait for a command to stop after TERM before giving its outcome up as unknown. */
  stopGraceMs?: number | undefined;
}

/** Runs commands on the lab's machines over SSH: one reused connection per machine. */
export interface SshRunner {
  /**
   * Runs a shell script (built with `sh`/`quoteArg` only) on a machine. Resolves when the channel
   * closes with an exit code or signal; rejects with TIMEOUT, CANCELLED (the remote command got
   * TERM), SSH_FAILED (nothing ran), or OUTCOME_UNKNOWN when the connection was lost while the
   * command ran or it did not stop after TERM — it may still be running there.
   */
  exec(machine: string, script: string, options?: ExecOptions): Promise<ExecResult>;
  /** Handshakes only (no login) and answers the fingerprint the machine offers, for `/host trust`. */
  fetchHostKey(machine: string): Promise<{ fingerprint: string }>;
  /** Ends every connection. */
  close(): Promise<void>;
}

const DEFAULT_CAPTURE = 1024 * 1024;

/** Creates the SSH runner; connections open on first use. */
export function createSshRunner(options: SshRunnerOptions): SshRunner {
  const targets = new Map(options.targets.map((t) => [t.machine, t]));
  const connections = createSshConnections(options);
  const maxChannels = options.maxChannels ?? 4;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30 * 60_000;
  const stopGraceMs = options.stopGraceMs ?? 5000;
  const logger = options.logger;

  const findTarget = (machine: string): SshTarget => {
    const target = targets.get(machine);
    if (!target) {
      throw new LabopsError('NOT_FOUND', msg('ssh.runner.noMachine', { machine }), {
        hint: msg('ssh.runner.noMachineHint', { machines: list([...targets.keys()]) }),
      });
    }
    return target;
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

    let connection = await connections.getConnection(target);
    await acquireChannel(connection, maxChannels, signal);
    let stream: ClientChannel;
    try {
      stream = await openChannel(connection, command);
    } catch (error) {
      releaseChannel(connection);
      // Nothing ran: a connection that died while idle is replaced once.
      if (!connection.closed) throw error;
      connection = await connections.getConnection(target);
      await acquireChannel(connection, maxChannels, signal);
      try {
        stream = await openChannel(connection, command);
      } catch (again) {
        releaseChannel(connection);
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
      release: () => releaseChannel(connection),
      kill: (pgid) => killRemote(connection, pgid, logger),
      describe: describeTarget(target),
    });
  };

  return {
    exec,
    fetchHostKey: (machine) => connections.fetchHostKey(findTarget(machine)),
    close: () => connections.close(),
  };
}

import { StringDecoder } from 'node:string_decoder';
import type { ClientChannel } from 'ssh2';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import type { Logger } from '../log.js';
import { BoundedTail, TAIL_BYTES, TAIL_LINES } from '../tail.js';
import type { Connection, SshTarget } from './connections.js';
import { quoteArg } from './quote.js';

/** How one command runs: its signal, timeout, input and how its output is kept. */
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

/** How a command ended and what it printed. */
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

/** Exit codes of coreutils `timeout`: the command timed out, or needed KILL after it. */
const TIMEOUT_EXIT_CODES = new Set([124, 137]);
const REMOTE_KILL_AFTER_S = 5;
/** The first stderr line of every command: its process group, for cancel (ASCII RS, never shown). */
const PID_MARKER = '\u001elabops-pgid:';

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

/** Waits for a free channel on the connection (at most `maxChannels` open at once). */
export async function acquireChannel(
  connection: Connection,
  maxChannels: number,
  signal: AbortSignal | undefined,
): Promise<void> {
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
}

/** Frees a channel for the next command waiting on the connection. */
export function releaseChannel(connection: Connection): void {
  connection.active--;
  connection.waiting.shift()?.();
}

/** TERM to a process group, on a channel of its own: outside the queue, since it must not wait. */
export function killRemote(connection: Connection, pgid: number, logger: Logger | undefined): void {
  if (connection.closed) return;
  openChannel(connection, `exec </dev/null; kill -s TERM -- -${pgid} ${pgid} 2>/dev/null; exit 0`)
    .then((stream) => {
      stream.on('data', () => undefined);
      stream.stderr.on('data', () => undefined);
      stream.on('error', () => undefined);
    })
    .catch((error: unknown) => logger?.debug({ err: String(error) }, 'ssh kill failed'));
}

/** The exit status of a channel, recorded from the moment it opens. */
const exits = new WeakMap<ClientChannel, { code: number | null; signal: string | undefined }>();

/** Opens a channel running `command`; its exit status is recorded from the start. */
export function openChannel(connection: Connection, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      connection.client.exec(command, (error, stream) => {
        // `exit` can be emitted in the same tick as the channel opens (coalesced packets): listen now.
        stream?.on('exit', (code: number | null, signalName?: string) => {
          exits.set(stream, { code: code ?? null, signal: signalName ?? undefined });
        });
        if (error) {
          reject(
            new LabopsError(
              'SSH_FAILED',
              msg('ssh.exec.channelRefused', { error: verbatim(error.message) }),
              {
                cause: error,
              },
            ),
          );
        } else resolve(stream);
      });
    } catch (error) {
      // ssh-harness.md: `client.exec()` throws synchronously once disconnected.
      connection.closed = true;
      reject(new LabopsError('SSH_FAILED', msg('ssh.exec.closed'), { cause: error }));
    }
  });
}

export interface RunChannelInput {
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

/** Streams a started command's output until it ends, is stopped, or its connection is lost. */
export function runChannel(input: RunChannelInput): Promise<ExecResult> {
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
          new LabopsError(
            'OUTCOME_UNKNOWN',
            msg('ssh.exec.didNotStop', {
              reason: reason.text,
              target: input.describe,
              seconds: Math.round(input.stopGraceMs / 1000),
            }),
            { cause: reason },
          ),
        );
      }, input.stopGraceMs);
    };
    const onAbort = (): void => stop(toAbortError(signal));
    const onLost = (error: LabopsError): void => {
      fail(
        new LabopsError('OUTCOME_UNKNOWN', msg('ssh.exec.outcomeUnknown', { reason: error.text }), {
          hint: msg('ssh.exec.outcomeUnknownHint'),
          cause: error,
        }),
      );
    };
    const localTimer = setTimeout(
      () =>
        stop(
          new LabopsError(
            'TIMEOUT',
            msg('ssh.exec.timeout', { target: input.describe, seconds: Math.round(timeoutMs / 1000) }),
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
        onLost(new LabopsError('SSH_FAILED', msg('ssh.exec.noExitStatus', { target: input.describe })));
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
            msg('ssh.exec.stoppedThere', { target: input.describe, seconds: Math.round(timeoutMs / 1000) }),
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

export function toAbortError(signal: AbortSignal | undefined): LabopsError {
  const reason: unknown = signal?.reason;
  if (reason instanceof LabopsError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new LabopsError('TIMEOUT', msg('ssh.exec.stepTimeout'), {
      cause: reason,
    });
  }
  return new LabopsError('CANCELLED', msg('ssh.exec.cancelled'), { cause: reason });
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

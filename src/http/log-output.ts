import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * The server log's output: the lines of one turn of the event loop written in one piece. On Linux a
 * write to stdout is synchronous when stdout is a file or a pipe (docker, systemd), so a write per line
 * was a system call per line on every relay call's path. Lines keep their order; at exit (a fatal
 * error included) what is pending is written before the process ends; `kill -9` loses at most the
 * last turn's lines.
 */
export class CoalescedOutput {
  private parts: string[] = [];
  private scheduled = false;

  constructor(private readonly out: { write(text: string): unknown }) {}

  write(line: string): void {
    this.parts.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes what is pending now; `done` (pino's flush callback) is called once it is handed over. */
  flush(done?: (err?: Error) => void): void {
    this.scheduled = false;
    if (this.parts.length > 0) {
      const text = this.parts.join('');
      this.parts = [];
      this.out.write(text);
    }
    done?.();
  }
}

/** stdout, coalesced, flushed at exit (main.ts: one per process). */
export function coalescedStdout(): CoalescedOutput {
  const out = new CoalescedOutput(process.stdout);
  process.once('exit', () => out.flush());
  return out;
}

/**
 * One log line per request, at its end, with the request's method, path and address, instead of
 * Fastify's two ("incoming request", then "request completed"): at the default level the two lines cost
 * a relay call more than its reservation. A request whose client left before the answer was sent (a
 * stream stopped, a call given up) gets its line too, "request aborted". Error and not-found lines are
 * Fastify's, unchanged.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    // pino has isLevelEnabled; Fastify's logger when logging is off does not (nothing to watch then)
    const log = request.log as { isLevelEnabled?: (level: string) => boolean };
    if (this.isLogDisabled(request) || !log.isLevelEnabled?.('info')) return;
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished)
        reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request aborted');
    });
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return;
    if (error)
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      );
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

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

  flush(): void {
    this.scheduled = false;
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.out.write(text);
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
 * a relay call more than its reservation. Error and not-found lines are Fastify's, unchanged.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

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

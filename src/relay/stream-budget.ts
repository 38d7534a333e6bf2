import { isPriceBilled } from './billing.ts';
import type { QuotaRepo } from './quota.repo.ts';
import type { RelayContext } from './relay-context.ts';
import type { TokenCounter } from './tokenizer.ts';

/**
 * CONTRACT §10: a stream may not spend past what its user has. The reservation covers `completionReserve`
 * tokens; when the stream's counted output reaches what is covered, the reservation is extended (another
 * `completionReserve`, else whatever the user and token have left, both by the same conditional UPDATEs
 * as the reservation, so concurrent streams cannot share the last quota). When nothing more can be
 * reserved the stream is ended.
 *
 * Counting is lazy: a token is at least one byte, so while the upstream bytes received since the last
 * count stay below the tokens still covered, no count is needed. The text is counted once, in pieces,
 * on the tokenizer thread.
 */
export class StreamBudget {
  /** completion tokens the reservation covers */
  private covered: number;
  /** completion tokens counted so far */
  private used = 0;
  /** upstream bytes received since the last count */
  private uncounted = 0;
  private readonly perToken: number;

  constructor(
    private readonly rc: RelayContext,
    private readonly counter: TokenCounter,
    private readonly quota: QuotaRepo,
    private readonly takeText: () => string,
  ) {
    this.covered = rc.completionReserve;
    const p = rc.pricing;
    this.perToken = isPriceBilled(p) ? 0 : p.completionRatio * p.modelRatio * p.groupRatio;
  }

  /** Completion tokens counted in what was sent: the bill of a stream cut for quota. */
  get sentTokens(): number {
    return this.used;
  }

  /** Text of reads already sent but not counted yet, taken just before a read that will be counted. */
  private sentText = '';

  /**
   * Called before an upstream read of `bytes` is transformed: when this read will be counted, what was
   * sent before it is taken apart first, so that a refused read is the only text left out of the bill.
   */
  beforeRead(bytes: number): void {
    if (this.perToken > 0 && this.used + this.uncounted + bytes > this.covered)
      this.sentText += this.takeText();
  }

  /**
   * Called per upstream read (after `beforeRead` and the transform) before it is sent; false when the
   * stream must end there (the user has nothing left for it): that read is then neither sent nor billed.
   */
  async admit(bytes: number): Promise<boolean> {
    if (this.perToken <= 0) return true;
    this.uncounted += bytes;
    if (this.used + this.uncounted <= this.covered) return true;
    const [sent, read] = await Promise.all([
      this.counter.count(this.rc.model, [this.sentText]),
      this.counter.count(this.rc.model, [this.takeText()]),
    ]);
    this.sentText = '';
    this.uncounted = 0;
    this.used += sent;
    if (this.used + read > this.covered && !(await this.extend(this.used + read))) return false;
    this.used += read;
    return true;
  }

  /** Grows the reservation until it covers `need` tokens; false when the user has not that much left. */
  private async extend(need: number): Promise<boolean> {
    const r = this.rc.reservation;
    const id = this.rc.requestId;
    const step = Math.max(this.rc.completionReserve, 256);
    if (await this.quota.extend(r, id, Math.ceil(step * this.perToken))) {
      this.covered += step;
      return need <= this.covered || this.extend(need);
    }
    const left = await this.quota.available(r);
    const tokens = Math.floor(left / this.perToken);
    if (tokens < 1 || !(await this.quota.extend(r, id, Math.ceil(tokens * this.perToken)))) return false;
    this.covered += tokens;
    return need <= this.covered;
  }
}

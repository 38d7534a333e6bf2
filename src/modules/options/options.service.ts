import { badRequest } from '../../http/errors.ts';
import { own, parseJsonDict } from '../../shared/own-keys.ts';
import { OPTION_DEFAULTS } from './options.defaults.ts';
import type { OptionsRepo } from './options.repo.ts';

/** Validates a stored-form value; returns the reason it is bad, or null. */
export type OptionValidator = (value: string) => string | null;

/**
 * Options held in memory (every request reads them) and reloaded from the database when changed.
 * Values are kept in their stored string form; typed getters parse them.
 */
export class OptionsService {
  private values = new Map<string, string>();
  private readonly listeners: Array<(key: string) => void> = [];

  constructor(
    private readonly repo: OptionsRepo,
    private readonly validators: Record<string, OptionValidator> = {},
  ) {}

  async load(): Promise<void> {
    this.values = await this.repo.all();
  }

  /**
   * Re-reads every option (another instance may have changed one) and returns the keys whose value
   * changed. Does not call onChange listeners: those announce this instance's own writes.
   */
  async reload(): Promise<string[]> {
    const fresh = await this.repo.all();
    const changed: string[] = [];
    for (const key of new Set([...fresh.keys(), ...this.values.keys()]))
      if (fresh.get(key) !== this.values.get(key)) changed.push(key);
    this.values = fresh;
    return changed;
  }

  get(key: string): string {
    return this.values.get(key) ?? own(OPTION_DEFAULTS, key) ?? '';
  }

  bool(key: string): boolean {
    return this.get(key) === 'true';
  }

  int(key: string): number {
    const n = Number.parseInt(this.get(key), 10);
    return Number.isFinite(n) ? n : Number.parseInt(own(OPTION_DEFAULTS, key) ?? '0', 10);
  }

  json<T>(key: string): T {
    try {
      return parseJsonDict<T>(this.get(key));
    } catch {
      return parseJsonDict<T>(own(OPTION_DEFAULTS, key) ?? 'null');
    }
  }

  /** Every known key with its current value. */
  entries(): Array<{ key: string; value: string }> {
    const keys = new Set([...Object.keys(OPTION_DEFAULTS), ...this.values.keys()]);
    return [...keys].sort().map((key) => ({ key, value: this.get(key) }));
  }

  /** Validates and stores; the old value stays when the new one is refused. */
  async set(key: string, value: string): Promise<void> {
    const reason = own(this.validators, key)?.(value);
    if (reason) throw badRequest(`invalid value for ${key}: ${reason}`, 'value');
    await this.repo.set(key, value);
    this.values.set(key, value);
    for (const l of this.listeners) l(key);
  }

  /** Called after any option changes on this instance (caches use it to invalidate). */
  onChange(listener: (key: string) => void): void {
    this.listeners.push(listener);
  }
}

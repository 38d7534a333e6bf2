/**
 * In-process change notifications, so caches (pricing, routing, token auth) invalidate at once on the
 * instance that made the change. Other instances learn of changes through Redis pub/sub or a periodic
 * reload (see the options module), which re-emit here.
 */
export interface AppEvents {
  /** an option changed (key) */
  option: string;
  /** channels or the serving table changed (channel id, or 0 for several) */
  channel: number;
  /** a token changed or was deleted (its key hash; '' for every token) */
  token: string;
  /** a user changed (id, or 0 for every user): status, quota, group, deletion */
  user: number;
  /** vendors or model metadata changed */
  modelMeta: number;
  /** a channel's cooldown started, grew or ended (`id|until|failedAt|level`, `id|0`: see channel-health.ts) */
  cooldown: string;
}

type Listener<T> = (value: T) => void;

export class EventBus {
  private readonly listeners = new Map<keyof AppEvents, Listener<any>[]>();

  on<K extends keyof AppEvents>(event: K, listener: Listener<AppEvents[K]>): void {
    const list = this.listeners.get(event) ?? [];
    list.push(listener);
    this.listeners.set(event, list);
  }

  emit<K extends keyof AppEvents>(event: K, value: AppEvents[K]): void {
    for (const l of this.listeners.get(event) ?? []) l(value);
  }
}

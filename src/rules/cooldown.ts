/**
 * Alert cooldown (rule-engine.md §3.9): key = md5(uniqueId) + containerId + ruleId; each firing
 * increments the key's counter and renews its TTL (sliding window); an alert is suppressed while the
 * counter exceeds `afterCount`. Bounded LRU.
 */
export interface CooldownOptions {
  disabled?: boolean;
  /** window in ms (default 1 h) */
  durationMs?: number;
  /** alerts let through per window (default 1) */
  afterCount?: number;
  /** entries kept (default 10000) */
  maxSize?: number;
}

export class Cooldown {
  private entries = new Map<string, { count: number; expires: number }>();
  private readonly disabled: boolean;
  private readonly duration: number;
  private readonly after: number;
  private readonly max: number;

  constructor(opts: CooldownOptions = {}, private readonly now: () => number = Date.now) {
    this.disabled = opts.disabled === true;
    this.duration = opts.durationMs ?? 60 * 60 * 1000;
    this.after = opts.afterCount ?? 1;
    this.max = opts.maxSize ?? 10000;
  }

  /** Records a firing; true when the alert should be suppressed. */
  suppress(uniqueIdHash: string, containerId: string, ruleId: string): boolean {
    if (this.disabled) return false;
    const key = uniqueIdHash + containerId + ruleId;
    const t = this.now();
    const cur = this.entries.get(key);
    const count = cur && cur.expires > t ? cur.count + 1 : 1;
    this.entries.delete(key);
    this.entries.set(key, { count, expires: t + this.duration });
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return count > this.after;
  }

  get size(): number {
    return this.entries.size;
  }
}

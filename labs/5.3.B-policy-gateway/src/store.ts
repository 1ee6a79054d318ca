// Postgres is the source of truth for policies. Every change runs in one transaction that locks the
// version row, writes the change, appends an audit row (who, what, when, old → new) and bumps the
// version; after commit the new version is announced (pub/sub) so every instance reloads.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ConflictError, NotFoundError } from '../../../shared/errors';
import { generateApiKey, hashKey } from './identity';
import {
  ANONYMOUS_TIER,
  OverrideSchema,
  RuleSchema,
  SettingsSchema,
  TierSchema,
  type KeyRecord,
  type Override,
  type Rule,
  type Settings,
  type Snapshot,
  type Tier,
} from './policy';

const SCHEMA = readFileSync(new URL('./schema.sql', import.meta.url), 'utf8');

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  entity: string;
  entityId: string;
  action: string;
  old: unknown;
  new: unknown;
  version: number;
}

export interface KeyView extends KeyRecord {
  createdAt: string;
  revoked: boolean;
}

type Tx = pg.PoolClient;

export class PolicyStore {
  constructor(
    private readonly pool: pg.Pool,
    /** Called with the new version after each committed change (the gateway publishes it). */
    private readonly announce: (version: number) => Promise<void> | void = () => {},
  ) {}

  async migrate(): Promise<void> {
    await this.pool.query(SCHEMA);
  }

  async version(): Promise<number> {
    const { rows } = await this.pool.query<{ version: string }>('SELECT version FROM gw_policy_version WHERE id = 1');
    return Number(rows[0]?.version ?? 0);
  }

  /** Everything an instance needs, read in one consistent transaction. */
  async snapshot(): Promise<Snapshot> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [v, tiers, rules, keys, overrides, settings] = [
        await c.query<{ version: string }>('SELECT version FROM gw_policy_version WHERE id = 1'),
        await c.query<{ spec: unknown }>('SELECT spec FROM gw_tiers'),
        await c.query<{ spec: unknown }>('SELECT spec FROM gw_rules ORDER BY id'),
        await c.query<{ id: string; key_hash: string; tenant: string; tier: string; label: string }>('SELECT id, key_hash, tenant, tier, label FROM gw_api_keys WHERE revoked_at IS NULL'),
        await c.query<{ key_id: string; spec: unknown }>('SELECT key_id, spec FROM gw_overrides'),
        await c.query<{ spec: unknown }>('SELECT spec FROM gw_settings WHERE id = 1'),
      ];
      await c.query('COMMIT');
      return {
        version: Number(v.rows[0]?.version ?? 0),
        tiers: new Map(tiers.rows.map((r) => TierSchema.parse(r.spec)).map((t) => [t.name, t])),
        rules: rules.rows.map((r) => RuleSchema.parse(r.spec)),
        keysByHash: new Map(keys.rows.map((k) => [k.key_hash, { id: k.id, tenant: k.tenant, tier: k.tier, label: k.label }])),
        overrides: new Map(overrides.rows.map((o) => [o.key_id, OverrideSchema.parse(o.spec)])),
        settings: SettingsSchema.parse(settings.rows[0]?.spec ?? {}),
      };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }

  // ---- reads for the admin API -------------------------------------------------------------------

  async tiers(): Promise<Tier[]> {
    return (await this.pool.query<{ spec: unknown }>('SELECT spec FROM gw_tiers ORDER BY name')).rows.map((r) => TierSchema.parse(r.spec));
  }
  async rules(): Promise<Rule[]> {
    return (await this.pool.query<{ spec: unknown }>('SELECT spec FROM gw_rules ORDER BY id')).rows.map((r) => RuleSchema.parse(r.spec));
  }
  async keys(): Promise<KeyView[]> {
    const { rows } = await this.pool.query('SELECT id, tenant, tier, label, created_at, revoked_at FROM gw_api_keys ORDER BY created_at, id');
    return rows.map((r) => ({ id: r.id, tenant: r.tenant, tier: r.tier, label: r.label, createdAt: r.created_at.toISOString(), revoked: r.revoked_at !== null }));
  }
  async overrides(): Promise<Array<{ keyId: string } & Override>> {
    const { rows } = await this.pool.query<{ key_id: string; spec: unknown }>('SELECT key_id, spec FROM gw_overrides ORDER BY key_id');
    return rows.map((r) => ({ keyId: r.key_id, ...OverrideSchema.parse(r.spec) }));
  }
  async audit(limit = 100): Promise<AuditEntry[]> {
    const { rows } = await this.pool.query('SELECT * FROM gw_audit ORDER BY id DESC LIMIT $1', [Math.min(limit, 1000)]);
    return rows.map((r) => ({ id: Number(r.id), at: r.at.toISOString(), actor: r.actor, entity: r.entity, entityId: r.entity_id, action: r.action, old: r.old, new: r.new, version: Number(r.version) }));
  }

  // ---- changes (each one versioned and audited) --------------------------------------------------

  putTier(actor: string, tier: Tier): Promise<number> {
    return this.change(actor, 'tier', tier.name, async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_tiers WHERE name = $1', [tier.name]);
      await c.query('INSERT INTO gw_tiers (name, spec) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET spec = EXCLUDED.spec', [tier.name, tier]);
      return { action: old ? 'update' : 'create', old, new: tier };
    });
  }

  deleteTier(actor: string, name: string): Promise<number> {
    if (name === ANONYMOUS_TIER) throw new ConflictError('the anonymous tier cannot be deleted (anonymous traffic needs it)');
    return this.change(actor, 'tier', name, async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_tiers WHERE name = $1', [name]);
      if (!old) throw new NotFoundError(`no tier ${name}`);
      const used = await c.query('SELECT 1 FROM gw_api_keys WHERE tier = $1 LIMIT 1', [name]);
      if (used.rowCount) throw new ConflictError(`tier ${name} still has API keys; move them first`);
      await c.query('DELETE FROM gw_tiers WHERE name = $1', [name]);
      return { action: 'delete', old, new: null };
    });
  }

  putRule(actor: string, rule: Rule): Promise<number> {
    return this.change(actor, 'rule', rule.id, async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_rules WHERE id = $1', [rule.id]);
      await c.query('INSERT INTO gw_rules (id, spec) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET spec = EXCLUDED.spec', [rule.id, rule]);
      return { action: old ? 'update' : 'create', old, new: rule };
    });
  }

  deleteRule(actor: string, id: string): Promise<number> {
    return this.change(actor, 'rule', id, async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_rules WHERE id = $1', [id]);
      if (!old) throw new NotFoundError(`no rule ${id}`);
      await c.query('DELETE FROM gw_rules WHERE id = $1', [id]);
      return { action: 'delete', old, new: null };
    });
  }

  /** Creates a key; the plain key is returned here once and never stored. */
  async createKey(actor: string, input: { tenant: string; tier: string; label?: string }): Promise<{ id: string; key: string; version: number }> {
    const key = generateApiKey();
    const id = `k_${randomBytes(6).toString('hex')}`;
    const version = await this.change(actor, 'key', id, async (c) => {
      if (!(await one(c, 'SELECT spec FROM gw_tiers WHERE name = $1', [input.tier]))) throw new NotFoundError(`no tier ${input.tier}`);
      await c.query('INSERT INTO gw_api_keys (id, key_hash, tenant, tier, label) VALUES ($1, $2, $3, $4, $5)', [id, hashKey(key), input.tenant, input.tier, input.label ?? '']);
      return { action: 'create', old: null, new: { id, tenant: input.tenant, tier: input.tier, label: input.label ?? '' } };
    });
    return { id, key, version };
  }

  updateKey(actor: string, id: string, patch: { tier?: string; label?: string }): Promise<number> {
    return this.change(actor, 'key', id, async (c) => {
      const old = await one(c, "SELECT jsonb_build_object('tier', tier, 'label', label, 'tenant', tenant) AS spec FROM gw_api_keys WHERE id = $1", [id]);
      if (!old) throw new NotFoundError(`no key ${id}`);
      if (patch.tier && !(await one(c, 'SELECT spec FROM gw_tiers WHERE name = $1', [patch.tier]))) throw new NotFoundError(`no tier ${patch.tier}`);
      const next = { ...(old as object), ...patch };
      await c.query('UPDATE gw_api_keys SET tier = COALESCE($2, tier), label = COALESCE($3, label) WHERE id = $1', [id, patch.tier ?? null, patch.label ?? null]);
      return { action: 'update', old, new: next };
    });
  }

  revokeKey(actor: string, id: string): Promise<number> {
    return this.change(actor, 'key', id, async (c) => {
      const r = await c.query('UPDATE gw_api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING tier', [id]);
      if (!r.rowCount) throw new NotFoundError(`no active key ${id}`);
      return { action: 'revoke', old: { revoked: false }, new: { revoked: true } };
    });
  }

  putOverride(actor: string, keyId: string, override: Override): Promise<number> {
    return this.change(actor, 'override', keyId, async (c) => {
      if (!(await c.query('SELECT 1 FROM gw_api_keys WHERE id = $1', [keyId])).rowCount) throw new NotFoundError(`no key ${keyId}`);
      const old = await one(c, 'SELECT spec FROM gw_overrides WHERE key_id = $1', [keyId]);
      await c.query('INSERT INTO gw_overrides (key_id, spec) VALUES ($1, $2) ON CONFLICT (key_id) DO UPDATE SET spec = EXCLUDED.spec', [keyId, override]);
      return { action: old ? 'update' : 'create', old, new: override };
    });
  }

  deleteOverride(actor: string, keyId: string): Promise<number> {
    return this.change(actor, 'override', keyId, async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_overrides WHERE key_id = $1', [keyId]);
      if (!old) throw new NotFoundError(`no override for ${keyId}`);
      await c.query('DELETE FROM gw_overrides WHERE key_id = $1', [keyId]);
      return { action: 'delete', old, new: null };
    });
  }

  putSettings(actor: string, settings: Settings): Promise<number> {
    return this.change(actor, 'settings', 'global', async (c) => {
      const old = await one(c, 'SELECT spec FROM gw_settings WHERE id = 1', []);
      await c.query('UPDATE gw_settings SET spec = $1 WHERE id = 1', [settings]);
      return { action: 'update', old, new: settings };
    });
  }

  /** Seeds the default tiers and rules once (an empty store only). */
  async seedDefaults(tiers: Tier[], rules: Rule[]): Promise<boolean> {
    if ((await this.pool.query('SELECT 1 FROM gw_tiers LIMIT 1')).rowCount) return false;
    for (const t of tiers) await this.putTier('seed', t);
    for (const r of rules) await this.putRule('seed', r);
    return true;
  }

  private async change(actor: string, entity: string, entityId: string, fn: (c: Tx) => Promise<{ action: string; old: unknown; new: unknown }>): Promise<number> {
    const c = await this.pool.connect();
    let version: number;
    try {
      await c.query('BEGIN');
      // The version row is the lock: changes are serialized, versions strictly increase.
      const v = await c.query<{ version: string }>('UPDATE gw_policy_version SET version = version + 1 WHERE id = 1 RETURNING version');
      version = Number(v.rows[0]!.version);
      const done = await fn(c);
      await c.query('INSERT INTO gw_audit (actor, entity, entity_id, action, old, new, version) VALUES ($1, $2, $3, $4, $5, $6, $7)', [actor, entity, entityId, done.action, json(done.old), json(done.new), version]);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
    await this.announce(version);
    return version;
  }
}

async function one(c: Tx, sql: string, params: unknown[]): Promise<unknown> {
  const { rows } = await c.query<{ spec: unknown }>(sql, params);
  return rows[0]?.spec ?? null;
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

-- Policies as data: the source of truth for every gateway instance. One version number for the whole
-- policy set, bumped by every change in the same transaction as the change and its audit row.
CREATE TABLE IF NOT EXISTS gw_policy_version (
  id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  version bigint NOT NULL
);
INSERT INTO gw_policy_version (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS gw_tiers (name text PRIMARY KEY, spec jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS gw_rules (id text PRIMARY KEY, spec jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS gw_api_keys (
  id text PRIMARY KEY,
  key_hash text NOT NULL UNIQUE,           -- sha256 of the key; the key itself is shown once and never stored
  tenant text NOT NULL,
  tier text NOT NULL REFERENCES gw_tiers (name),
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE TABLE IF NOT EXISTS gw_overrides (key_id text PRIMARY KEY REFERENCES gw_api_keys (id) ON DELETE CASCADE, spec jsonb NOT NULL);
CREATE TABLE IF NOT EXISTS gw_settings (id int PRIMARY KEY DEFAULT 1 CHECK (id = 1), spec jsonb NOT NULL);
INSERT INTO gw_settings (id, spec) VALUES (1, '{"shadow": false}') ON CONFLICT DO NOTHING;
CREATE TABLE IF NOT EXISTS gw_audit (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  entity text NOT NULL,
  entity_id text NOT NULL,
  action text NOT NULL,
  old jsonb,
  new jsonb,
  version bigint NOT NULL
);

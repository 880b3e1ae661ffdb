-- The district's buckets and keys (sync/district/kv.go), as PostgreSQL
-- keeps them for every districtd replica. A bucket is named by its path:
-- its ancestors' and its own names, hex, each after a '/'.

-- +goose Up
CREATE TABLE district_buckets (
    path   text   PRIMARY KEY,
    parent text   NOT NULL,
    name   bytea  NOT NULL,
    seq    bigint NOT NULL DEFAULT 0,
    UNIQUE (parent, name)
);

CREATE TABLE district_kv (
    path  text  NOT NULL REFERENCES district_buckets (path) ON DELETE CASCADE,
    key   bytea NOT NULL CHECK (length(key) > 0),
    value bytea NOT NULL,
    PRIMARY KEY (path, key)
);

-- +goose Down
DROP TABLE district_kv;
DROP TABLE district_buckets;

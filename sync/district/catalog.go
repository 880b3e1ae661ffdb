package district

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// PublishCatalog signs body as the next catalog version and makes it the
// one terminals fetch. It returns the version.
func (d *District) PublishCatalog(body []byte) (uint64, error) {
	return d.publishCatalog(body, nil)
}

// ErrCatalogMoved is a catalog published over a version that is no longer
// the current one: someone published another since it was looked at.
var ErrCatalogMoved = errors.New("district: another catalog was published meanwhile")

// PublishCatalogOver is PublishCatalog for a catalog an admin compared
// with version base (0: none published): it is refused with
// ErrCatalogMoved if base is no longer the current version. by is who
// publishes it, for the audit trail.
func (d *District) PublishCatalogOver(by, from string, base uint64, body []byte) (uint64, error) {
	return d.publishCatalog(body, &AuditEvent{Staff: by, From: from, Action: AuditCatalogPublished, Detail: fmt.Sprintf("over version %d", base)}, base)
}

func (d *District) publishCatalog(body []byte, audit *AuditEvent, base ...uint64) (uint64, error) {
	if !json.Valid(body) {
		return 0, errors.New("district: the catalog is not JSON")
	}
	var version uint64
	err := d.db.Update(func(tx Tx) error {
		meta := tx.Bucket(bucketMeta)
		var old protocol.Catalog
		if _, err := getJSON(meta, keyCatalog, &old); err != nil {
			return err
		}
		if len(base) > 0 && old.Version != base[0] {
			return fmt.Errorf("%w (version %d, not %d)", ErrCatalogMoved, old.Version, base[0])
		}
		c := protocol.SignCatalog(d.catalogKey, old.Version+1, body)
		if err := c.Validate(); err != nil {
			return err
		}
		version = c.Version
		if err := putJSON(meta, keyCatalog, c); err != nil {
			return err
		}
		if audit != nil {
			audit.Object = fmt.Sprintf("catalog %d", version)
			return appendAudit(tx, *audit, d.opt.Now())
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("district: publish catalog: %w", err)
	}
	return version, nil
}

// Catalog returns the current catalog; ok is false before the first is
// published.
func (d *District) Catalog() (c protocol.Catalog, ok bool, err error) {
	err = d.db.View(func(tx Tx) error {
		ok, err = getJSON(tx.Bucket(bucketMeta), keyCatalog, &c)
		return err
	})
	return c, ok, err
}

// PublishConfig makes cfg (its version ignored) the next configuration
// version for every terminal.
func (d *District) PublishConfig(cfg protocol.TerminalConfig) (uint64, error) {
	err := d.db.Update(func(tx Tx) error {
		meta := tx.Bucket(bucketMeta)
		var old protocol.TerminalConfig
		if _, err := getJSON(meta, keyConfig, &old); err != nil {
			return err
		}
		cfg.Version = old.Version + 1
		if err := cfg.Validate(); err != nil {
			return err
		}
		return putJSON(meta, keyConfig, cfg)
	})
	if err != nil {
		return 0, fmt.Errorf("district: publish configuration: %w", err)
	}
	return cfg.Version, nil
}

// Config returns the current terminal configuration; ok is false before
// the first is published.
func (d *District) Config() (c protocol.TerminalConfig, ok bool, err error) {
	err = d.db.View(func(tx Tx) error {
		ok, err = getJSON(tx.Bucket(bucketMeta), keyConfig, &c)
		return err
	})
	return c, ok, err
}

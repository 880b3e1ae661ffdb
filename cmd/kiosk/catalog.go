package main

import (
	"log/slog"

	"github.com/yizhan-kiosk/yizhan/kiosk/catalog"
	"github.com/yizhan-kiosk/yizhan/sync/client"
)

// loadCatalog returns the district's catalog when sync has brought a
// verified one (state is nil when the terminal is not enrolled), else the
// catalog built into the terminal.
func loadCatalog(state *client.State, log *slog.Logger) (*catalog.Catalog, error) {
	if state != nil {
		signed, ok, err := state.Catalog()
		if err == nil && ok {
			c, err := catalog.Parse(signed.Body)
			if err == nil {
				log.Info("catalog from the district", "version", signed.Version)
				return c, nil
			}
			log.Error("the district's catalog does not parse; using the built-in one", "version", signed.Version, "err", err)
		}
	}
	return catalog.Default()
}

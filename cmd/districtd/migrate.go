package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/yizhan-kiosk/yizhan/sync/district"
)

// migrateDistrict declares migrate's flags and returns what moves the
// district in the data folder from its district.db to PostgreSQL.
func migrateDistrict(stdout, stderr io.Writer) func(fs *flag.FlagSet) func([]string) error {
	return func(fs *flag.FlagSet) func([]string) error {
		data := fs.String("data", defaultData, "the district's data folder (`DIR`)")
		from := fs.String("from", "bbolt", "the store the district is in now (`KIND`): bbolt, its folder's district.db")
		to := fs.String("to", "", "the PostgreSQL database to move it to (a connection string, `DSN`), which must hold no district")
		asJSON := fs.Bool("json", false, "print JSON")
		return func(words []string) error {
			switch {
			case len(words) != 0:
				return fmt.Errorf("%w: migrate takes no words, got %q", errUsage, words)
			case *from != "bbolt":
				return fmt.Errorf("%w: --from %q: a district moves from bbolt only", errUsage, *from)
			case *to == "":
				return fmt.Errorf("%w: migrate needs --to DSN", errUsage)
			}
			rep, err := district.MigrateToPostgres(*data, *to, slog.New(slog.NewTextHandler(stderr, nil)))
			if err != nil {
				return err
			}
			if *asJSON {
				return json.NewEncoder(stdout).Encode(rep)
			}
			_, err = fmt.Fprintf(stdout, "moved to PostgreSQL in %s: %d buckets, %d keys, each bucket checked by count and hash;\n%s/store names the database now, and district.db is kept as district.db.before-postgres\n",
				rep.Took.Round(1e6), rep.Buckets, rep.Keys, *data)
			return err
		}
	}
}

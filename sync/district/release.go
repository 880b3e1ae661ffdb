package district

import (
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
	"github.com/yizhan-kiosk/yizhan/sync/release"
)

// Rings are the groups a district's terminals are updated in, in the
// order a release goes through them: a few canary terminals first, then
// the early ones, then all the rest. A terminal assigned to none is in
// the last.
var Rings = []string{"canary", "early", "all"}

// DefaultRing is the ring of a terminal no one assigned.
var DefaultRing = Rings[len(Rings)-1]

var keyRings = []byte("rings")

// What the district's releases record in the audit trail.
const (
	AuditReleasePromoted = "release_promoted"
	AuditRingAssigned    = "ring_assigned"
)

// ReleaseDir is where a district keeps its release repository, in its
// data folder.
func ReleaseDir(dataDir string) string { return filepath.Join(dataDir, "release") }

// Releases is the district's release repository; release.ErrNoRepository
// until districtd release init has made one. It is opened on each use, so
// a running district serves a repository made after its start.
func (d *District) Releases() (*release.Repo, error) {
	return release.Open(ReleaseDir(d.opt.Dir))
}

// ringVersions is what the store keeps: each ring's version.
type ringVersions map[string]string

// Ring is a ring's state: the version it names, and how its terminals
// report.
type Ring struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"` // "" until a version is promoted to it
	// Terminals in the ring, Running the version it names (by their last
	// heartbeat), RolledBack those whose last update to it was rolled
	// back.
	Terminals  int      `json:"terminals"`
	Running    int      `json:"running"`
	RolledBack []string `json:"rolled_back,omitempty"`
}

// ErrRingOrder is a version promoted to a ring before the rings ahead of
// it run it.
var ErrRingOrder = errors.New("district: a release goes through the rings in order")

// Promote makes version the one ring's terminals install. Unless force is
// set, every ring before it must name version already. The version must
// be in the release repository.
func (d *District) Promote(by, from, ring, version string, force bool) error {
	i := slices.Index(Rings, ring)
	if i < 0 {
		return fmt.Errorf("district: no ring %q (the rings: %v)", ring, Rings)
	}
	repo, err := d.Releases()
	if err != nil {
		return err
	}
	if ok, err := repo.Has(version); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("district: version %q is not in the release repository (districtd release add FILE.deb)", version)
	}
	return d.db.Update(func(tx Tx) error {
		meta := tx.Bucket(bucketMeta)
		rv := ringVersions{}
		if _, err := getJSON(meta, keyRings, &rv); err != nil {
			return err
		}
		if !force {
			for _, before := range Rings[:i] {
				if rv[before] != version {
					return fmt.Errorf("%w: ring %s runs %q, not %s; promote it there first (or --force)", ErrRingOrder, before, rv[before], version)
				}
			}
		}
		detail := fmt.Sprintf("%s: %q → %q", ring, rv[ring], version)
		if force {
			detail += " (forced)"
		}
		rv[ring] = version
		if err := putJSON(meta, keyRings, rv); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, From: from, Action: AuditReleasePromoted, Object: version, Detail: detail}, d.opt.Now())
	})
}

// AssignRing puts a terminal in a ring; by and from are who did it and
// from where, for the audit trail.
func (d *District) AssignRing(by, from, terminal, ring string) error {
	if !slices.Contains(Rings, ring) {
		return fmt.Errorf("district: no ring %q (the rings: %v)", ring, Rings)
	}
	return d.db.Update(func(tx Tx) error {
		var old string
		if err := changeTerminal(tx, terminal, func(t *Terminal) { old, t.Ring = t.ringName(), ring }); err != nil {
			return err
		}
		return appendAudit(tx, AuditEvent{Staff: by, From: from, Action: AuditRingAssigned, Object: terminal, Detail: old + " → " + ring}, d.opt.Now())
	})
}

func (t Terminal) ringName() string {
	if t.Ring == "" {
		return DefaultRing
	}
	return t.Ring
}

// ReleaseTarget is the version the terminal's ring names; ok is false
// while it names none.
func (d *District) ReleaseTarget(terminal string) (protocol.ReleaseTarget, bool, error) {
	var t Terminal
	rv := ringVersions{}
	err := d.db.View(func(tx Tx) error {
		if _, err := getJSON(tx.Bucket(bucketMeta), keyRings, &rv); err != nil {
			return err
		}
		found, err := getJSON(tx.Bucket(bucketTerminals), []byte(terminal), &t)
		if err == nil && !found {
			err = fmt.Errorf("district: no terminal %q", terminal)
		}
		return err
	})
	if err != nil {
		return protocol.ReleaseTarget{}, false, err
	}
	ring := t.ringName()
	return protocol.ReleaseTarget{Ring: ring, Version: rv[ring]}, rv[ring] != "", nil
}

// RingStates reports every ring: its version and its terminals' state.
func (d *District) RingStates() ([]Ring, error) {
	rv := ringVersions{}
	if err := d.db.View(func(tx Tx) error {
		_, err := getJSON(tx.Bucket(bucketMeta), keyRings, &rv)
		return err
	}); err != nil {
		return nil, err
	}
	terms, err := d.Terminals()
	if err != nil {
		return nil, err
	}
	out := make([]Ring, len(Rings))
	for i, name := range Rings {
		out[i] = Ring{Name: name, Version: rv[name]}
	}
	for _, t := range terms {
		if t.Revoked {
			continue
		}
		i := slices.Index(Rings, t.ringName())
		if i < 0 {
			i = len(Rings) - 1 // a ring no longer known: the last one's
		}
		r := &out[i]
		r.Terminals++
		hb := t.LastHeartbeat
		if hb == nil || r.Version == "" {
			continue
		}
		if hb.Update != nil && hb.Update.Running == r.Version || hb.Update == nil && hb.Software == r.Version {
			r.Running++
		}
		if hb.Update != nil && hb.Update.Version == r.Version && hb.Update.Result == protocol.UpdateRolledBack {
			r.RolledBack = append(r.RolledBack, t.ID)
		}
	}
	return out, nil
}

func (d *District) handleRelease(w http.ResponseWriter, r *http.Request, terminal string) {
	target, ok, err := d.ReleaseTarget(terminal)
	switch {
	case err != nil:
		writeError(w, err)
	case !ok:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, target)
	}
}

func (d *District) handleReleaseKey(w http.ResponseWriter, r *http.Request, _ string) {
	repo, err := d.Releases()
	if err != nil {
		writeNoReleases(w, err)
		return
	}
	key, err := repo.PublicKey()
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "application/pgp-keys")
	w.Write(key)
}

func (d *District) handleRepo(w http.ResponseWriter, r *http.Request, _ string) {
	repo, err := d.Releases()
	if err != nil {
		writeNoReleases(w, err)
		return
	}
	// A download must keep moving: each write waits at most BodyIdle for
	// the terminal to take it. A terminal that stops reading (or a stolen
	// key that never does) is cut then, and holds no connection; a slow
	// link that keeps reading gets the whole release.
	mw := &movingWriter{ResponseWriter: w, rc: http.NewResponseController(w), idle: d.opt.BodyIdle}
	http.StripPrefix(protocol.PathRepo, repo.Handler()).ServeHTTP(mw, r)
}

// movingWriter pushes the connection's write deadline on before each
// write.
type movingWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (m *movingWriter) Write(p []byte) (int, error) {
	m.rc.SetWriteDeadline(time.Now().Add(m.idle))
	return m.ResponseWriter.Write(p)
}

func (m *movingWriter) Unwrap() http.ResponseWriter { return m.ResponseWriter }

func writeNoReleases(w http.ResponseWriter, err error) {
	if errors.Is(err, release.ErrNoRepository) {
		http.Error(w, "this district publishes no releases", http.StatusNotFound)
		return
	}
	writeError(w, err)
}

package district

import (
	"maps"
	"net/http"

	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// keyVoice holds the district's recordings of the spoken prompts.
var keyVoice = []byte("voice")

// SetRecording makes wav the district's recording of a prompt (nil takes
// it back), and signs the recordings as a new version for every terminal.
// The caller checked the recording is one a terminal plays.
func (d *District) SetRecording(id string, wav []byte) (uint64, error) {
	var version uint64
	err := d.db.Update(func(tx Tx) error {
		meta := tx.Bucket(bucketMeta)
		var old protocol.Recordings
		if _, err := getJSON(meta, keyVoice, &old); err != nil {
			return err
		}
		prompts := maps.Clone(old.Prompts)
		if prompts == nil {
			prompts = map[string][]byte{}
		}
		if wav == nil {
			delete(prompts, id)
		} else {
			prompts[id] = wav
		}
		r := protocol.SignRecordings(d.catalogKey, old.Version+1, prompts)
		if err := r.Validate(); err != nil {
			return err
		}
		version = r.Version
		return putJSON(meta, keyVoice, r)
	})
	return version, err
}

// Recordings are the district's recordings as the terminals get them.
func (d *District) Recordings() (r protocol.Recordings, ok bool, err error) {
	err = d.db.View(func(tx Tx) error {
		ok, err = getJSON(tx.Bucket(bucketMeta), keyVoice, &r)
		return err
	})
	return r, ok, err
}

func (d *District) handleVoice(w http.ResponseWriter, r *http.Request, _ string) {
	serveNewer(w, r, func() (uint64, any, bool, error) {
		rec, ok, err := d.Recordings()
		return rec.Version, rec, ok, err
	})
}

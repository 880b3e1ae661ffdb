package district

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Version 3 of the store adds the inbox, the ratings and the cases, all
// made from the records, so version 2 becomes 3 by making them:
//  1. The version becomes "3-indexing": a districtd that knows only
//     version 2 refuses the store from then on (it would not keep them).
//  2. The new buckets are emptied, then filled from every record,
//     migrateChunk records to a transaction. Ratings and complaints are
//     opened for their level, reason, type and topic. Of two ratings of
//     one application, the one with the lower record id — the earlier,
//     ids being UUIDv7 — counts. A complaint answered, or a bad rating
//     given a status, before this version had the console is closed with
//     what was recorded then.
//  3. The version becomes "3".
//
// A kill during step 2 starts it again from empty at the next Open.

const indexingVersion = "3-indexing"

var newInV3 = [][]byte{bucketInbox, bucketCounts, bucketRatings, bucketRatingFacts, bucketReceipts, bucketUnrated, bucketCases, bucketOpenCases, bucketClosedCases, bucketFeed}

func (d *District) indexV2() error {
	d.opt.Log.Info("migrating the store from version 2 to 3: the inbox, ratings and cases")
	if err := d.setVersion(indexingVersion); err != nil {
		return err
	}
	err := d.db.Update(func(tx Tx) error {
		for _, name := range newInV3 {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rules, err := d.Rules()
	if err != nil {
		return err
	}
	var terminals [][]byte
	err = d.db.View(func(tx Tx) error {
		return tx.Bucket(bucketRecords).ForEachBucket(func(k []byte) error {
			terminals = append(terminals, bytes.Clone(k))
			return nil
		})
	})
	if err != nil {
		return err
	}
	indexed := 0
	for _, terminal := range terminals {
		var after []byte
		for {
			n, last, err := d.indexChunk(string(terminal), after, rules)
			if err != nil {
				return fmt.Errorf("index records of %s: %w", terminal, err)
			}
			if n == 0 {
				break
			}
			indexed += n
			after = last
			step("index")
		}
	}
	if err := d.setVersion(storeVersion); err != nil {
		return err
	}
	d.opt.Log.Info("store migrated to version 3", "records_indexed", indexed)
	return nil
}

// indexChunk files up to migrateChunk records of a terminal after the key
// after, and returns how many and the last key.
func (d *District) indexChunk(terminal string, after []byte, rules Rules) (int, []byte, error) {
	n := 0
	var last []byte
	err := d.db.Update(func(tx Tx) error {
		n = 0
		c := tx.Bucket(bucketRecords).Bucket([]byte(terminal)).Cursor()
		k, v := c.First()
		if after != nil {
			if k, v = c.Seek(after); bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil && n < migrateChunk; k, v = c.Next() {
			var s Stored
			if err := json.Unmarshal(v, &s); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			if err := d.indexOne(tx, s, rules); err != nil {
				return fmt.Errorf("record %s: %w", k, err)
			}
			n, last = n+1, bytes.Clone(k)
		}
		return nil
	})
	return n, last, err
}

func (d *District) indexOne(tx Tx, s Stored, rules Rules) error {
	var parsed any
	if s.Record.Kind == "rating" || s.Record.Kind == "complaint" {
		var err error
		if parsed, err = d.checkSealed(s.Record); err != nil {
			// Stored before the district read it: kept, not counted.
			d.opt.Log.Warn("a stored record could not be counted", "terminal", s.Terminal, "record", s.Record.ID, "err", err)
			return nil
		}
	}
	if s.Record.Kind == "rating" && tx.Bucket(bucketRatings).Get([]byte(ratingKey(s.Terminal, s.Record))) != nil {
		return nil // the application was rated already
	}
	if err := file(tx, s, parsed, rules); err != nil {
		return err
	}
	if s.State == "" || s.Record.Kind == "application" {
		return nil
	}
	// Work done on the command line before the console.
	kind, key := CaseComplaint, s.Ref().String()
	if s.Record.Kind == "rating" {
		kind, key = CaseRating, ratingKey(s.Terminal, s.Record)
	}
	var c Case
	if found, err := getJSON(tx.Bucket(bucketCases), caseKey(kind, key), &c); err != nil || !found {
		return err
	}
	finished := s.State == "done" || s.State == "rejected"
	if !finished {
		return nil
	}
	note := s.Message
	if note == "" {
		note = "(" + s.State + ")"
	}
	if kind == CaseComplaint {
		c.Steps = append(c.Steps, CaseStep{Step: StepAnswer, By: CommandLine, At: s.Updated, Note: note})
	}
	c.Steps = append(c.Steps, CaseStep{Step: StepClose, By: CommandLine, At: s.Updated, Note: "closed on the command line before the console: " + note})
	c.Closed = s.Updated
	if err := tx.Bucket(bucketOpenCases).Delete(timedKey(c.Deadline, c.ID())); err != nil {
		return err
	}
	if err := tx.Bucket(bucketClosedCases).Put(timedKey(c.Closed, c.ID()), nil); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketCases), caseKey(kind, key), c)
}

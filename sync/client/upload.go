package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// upload drains the queue in batches, oldest first: each batch's
// attachments go up first (several at once), then its records in one
// request, then the district's answers are settled in one transaction.
func (c *Client) upload(ctx context.Context) error {
	var after uint64
	for {
		waiting, err := c.opt.Queue.Waiting(after, c.opt.BatchRecords)
		if err != nil {
			return fmt.Errorf("sync: outbox: %w", err)
		}
		if len(waiting) == 0 {
			return nil
		}
		batch, outcomes, last := c.prepare(waiting)
		after = last
		batch = c.sendable(batch)

		// Records whose attachments cannot be sent, for a reason that will
		// not pass (the file is gone or damaged on the terminal), are
		// settled as rejected here, so they never hold up the queue.
		broken, later, err := c.uploadAttachments(ctx, batch)
		if err != nil {
			return err
		}
		var send []protocol.Record
		for _, r := range batch {
			if why, ok := broken[r.ID]; ok {
				outcomes = append(outcomes, outbox.Outcome{ID: r.ID, Rejected: why})
				continue
			}
			if later[r.ID] {
				continue // stays queued: the next round sends it
			}
			send = append(send, wireRecord(r))
		}
		if len(later) > 0 {
			c.opt.Log.Info("the district holds as many of this terminal's attachments as it takes before their records; some records wait for the next round", "records", len(later))
		}
		answered, err := c.sendRecords(ctx, send)
		if err != nil {
			return err
		}
		outcomes = append(outcomes, answered...)
		if len(send) == 0 && len(later) > 0 {
			// Nothing of the batch could go: the room is full of
			// attachments of records none of which is complete.
			one, err := c.alone(ctx, batch, later, broken)
			if err != nil {
				return err
			}
			outcomes = append(outcomes, one...)
		}
		if err := c.opt.Queue.Settle(outcomes); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		c.count(outcomes)
	}
}

// prepare takes the head of the queue up to the request's byte bound.
// Records that break the protocol's rules could never be taken by the
// district: they are settled as rejected at once, with why. last is the
// sequence number of the last record looked at.
func (c *Client) prepare(waiting []outbox.Record) (batch []outbox.Record, refused []outbox.Outcome, last uint64) {
	size := 64 // the request's own braces and field name
	for _, r := range waiting {
		w := wireRecord(r)
		if err := w.Validate(); err != nil {
			refused = append(refused, outbox.Outcome{ID: r.ID, Rejected: "terminal: the record breaks the protocol's rules: " + err.Error()})
			last = r.Seq
			continue
		}
		data, err := json.Marshal(w)
		if err != nil {
			refused = append(refused, outbox.Outcome{ID: r.ID, Rejected: "terminal: " + err.Error()})
			last = r.Seq
			continue
		}
		if size+len(data)+1 > c.opt.BatchBytes && len(batch) > 0 {
			break
		}
		size += len(data) + 1
		batch = append(batch, r)
		last = r.Seq
	}
	return batch, refused, last
}

// sendRecords posts records and turns the district's answers into
// outcomes. If the district refuses the batch as a whole (a rule this
// terminal does not know of, from a newer district), the records go one by
// one, so only the one at fault is set aside.
func (c *Client) sendRecords(ctx context.Context, send []protocol.Record) ([]outbox.Outcome, error) {
	if len(send) == 0 {
		return nil, nil
	}
	outcomes, err := c.postRecords(ctx, send)
	if !refusal(err) {
		return outcomes, err
	}
	if len(send) == 1 {
		var ae *AnswerError
		errors.As(err, &ae)
		return []outbox.Outcome{{ID: send[0].ID, Rejected: "district: " + ae.Err.Message}}, nil
	}
	outcomes = nil
	for _, r := range send {
		one, err := c.sendRecords(ctx, []protocol.Record{r})
		if err != nil {
			return outcomes, err
		}
		outcomes = append(outcomes, one...)
	}
	return outcomes, nil
}

// refusal reports a district's answer that sending the same request again
// would get again.
func refusal(err error) bool {
	var ae *AnswerError
	return errors.As(err, &ae) && (ae.Err.Code == protocol.CodeBadRequest || ae.Err.Code == protocol.CodeTooLarge)
}

func (c *Client) postRecords(ctx context.Context, send []protocol.Record) ([]outbox.Outcome, error) {
	var resp protocol.RecordsResponse
	if _, err := c.call(ctx, http.MethodPost, protocol.PathRecords, protocol.RecordsRequest{Records: send}, &resp); err != nil {
		return nil, err
	}
	if len(resp.Results) != len(send) {
		return nil, fmt.Errorf("sync: district answered %d of %d records", len(resp.Results), len(send))
	}
	var outcomes []outbox.Outcome
	for i, res := range resp.Results {
		if res.ID != send[i].ID {
			return nil, fmt.Errorf("sync: district answered for %s in the place of %s", res.ID, send[i].ID)
		}
		switch res.Status {
		case protocol.Accepted, protocol.Duplicate:
			outcomes = append(outcomes, outbox.Outcome{ID: res.ID})
		case protocol.Rejected:
			outcomes = append(outcomes, outbox.Outcome{ID: res.ID, Rejected: "district: " + res.Reason})
		case protocol.Missing:
			// An attachment did not arrive whole: the next round resumes
			// it and sends the record again.
		}
	}
	return outcomes, nil
}

func (c *Client) count(outcomes []outbox.Outcome) {
	var sent, rejected int
	for _, o := range outcomes {
		if o.Rejected == "" {
			sent++
		} else {
			rejected++
			c.opt.Log.Warn("record rejected", "record", o.ID, "reason", o.Rejected)
		}
	}
	if sent+rejected > 0 {
		c.opt.Log.Info("records delivered", "acknowledged", sent, "rejected", rejected)
		c.update(func(s *Status) { s.Sent += sent; s.Rejected += rejected })
	}
}

func wireRecord(r outbox.Record) protocol.Record {
	w := protocol.Record{ID: r.ID, Seq: r.Seq, Kind: string(r.Kind), Created: r.Created,
		Public: protocol.Public{Service: r.Public.Service, Receipt: r.Public.Receipt}, Sealed: r.Sealed}
	for _, a := range r.Attachments {
		w.Attachments = append(w.Attachments, protocol.Attachment{Name: a.Name, SHA256: blobName(a), Size: a.Size})
	}
	return w
}

// blobName is the attachment's name at the district: the SHA-256 of its
// sealed bytes, which the outbox already names its file by.
func blobName(a outbox.AttachmentRef) string { return strings.TrimSuffix(a.File, ".age") }

// recordError is an attachment that cannot be sent, whatever the link
// does: it settles its record as rejected.
type recordError struct{ reason string }

func (e *recordError) Error() string { return e.reason }

// uploadAttachments sends the batch's attachments, c.opt.Uploads at once,
// in the batch's order. It returns the records that cannot be sent, with
// why; the records to hold back this round because the district has no
// more room for this terminal's attachments until it gets the records of
// those it holds; or the first error of the link.
func (c *Client) uploadAttachments(ctx context.Context, batch []outbox.Record) (broken map[string]string, later map[string]bool, err error) {
	type job struct {
		record string
		ref    outbox.AttachmentRef
	}
	jobs := make(chan job)
	var (
		mu      sync.Mutex
		linkErr error
		wg      sync.WaitGroup
		full    = make(chan struct{}) // closed at the district's first over_quota
		once    sync.Once
	)
	broken, later = map[string]string{}, map[string]bool{}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range c.opt.Uploads {
		wg.Go(func() {
			for j := range jobs {
				err := c.putBlob(ctx, j.ref)
				var re *recordError
				mu.Lock()
				switch {
				case errors.As(err, &re):
					broken[j.record] = re.reason
				case c.overQuota(err):
					// Uploads under way finish; no new one starts, so
					// the records whose attachments are all there go up
					// and make room for the rest next round.
					later[j.record] = true
					once.Do(func() { close(full) })
				case err != nil && linkErr == nil:
					linkErr = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
	var unsent []string
feed:
	for i, r := range batch {
		for _, a := range r.Attachments {
			select {
			case jobs <- job{r.ID, a}:
			case <-ctx.Done():
				break feed
			case <-full:
				for _, rest := range batch[i:] {
					unsent = append(unsent, rest.ID)
				}
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	for _, id := range unsent {
		later[id] = true
	}
	if linkErr == nil && ctx.Err() != nil {
		linkErr = ctx.Err()
	}
	return broken, later, linkErr
}

// alone makes room at the district and sends the first record of the
// batch that was held back on its own: the district drops this terminal's
// attachments that no record names but this record's, then takes the rest
// of this record's one at a time. A record whose attachments alone are more
// than the district takes before their record stays queued and is held
// back (hold), so the records behind it go.
func (c *Client) alone(ctx context.Context, batch []outbox.Record, later map[string]bool, broken map[string]string) ([]outbox.Outcome, error) {
	var head outbox.Record
	for _, r := range batch {
		if _, ok := broken[r.ID]; later[r.ID] && !ok {
			head = r
			break
		}
	}
	if head.ID == "" {
		return nil, nil
	}
	var keep []string
	for _, a := range head.Attachments {
		keep = append(keep, blobName(a))
	}
	if err := c.drop(ctx, keep); err != nil {
		return nil, err
	}
	for _, a := range head.Attachments {
		err := c.putBlob(ctx, a)
		var re *recordError
		switch {
		case errors.As(err, &re):
			return []outbox.Outcome{{ID: head.ID, Rejected: re.reason}}, nil
		case c.overQuota(err):
			c.hold(head.ID)
			// What it did upload would only keep the others out.
			return nil, c.drop(ctx, nil)
		case err != nil:
			return nil, err
		}
	}
	return c.sendRecords(ctx, []protocol.Record{wireRecord(head)})
}

// drop asks the district to drop this terminal's attachments that no
// record names, but those named in keep.
func (c *Client) drop(ctx context.Context, keep []string) error {
	_, err := c.call(ctx, http.MethodPost, protocol.PathBlobsDrop, protocol.DropRequest{Keep: keep}, nil)
	return err
}

// overQuota reports whether err is the district's over_quota answer, and
// notes the room it says it has for this terminal.
func (c *Client) overQuota(err error) bool {
	var ae *AnswerError
	if !errors.As(err, &ae) || ae.Err.Code != protocol.CodeOverQuota {
		return false
	}
	if ae.Quota > 0 {
		c.mu.Lock()
		c.room = ae.Quota
		c.mu.Unlock()
	}
	return true
}

// heldFor is how long a record too large for the district's room is
// left out of the rounds before it is tried again (the district may have
// made more room by then).
const heldFor = 6 * time.Hour

// hold leaves a record out of the rounds for heldFor: its attachments
// alone are more than the district takes before their record. It stays
// queued, for a technician to bring on a stick (kioskctl queue export),
// which no quota holds; the status counts it.
func (c *Client) hold(id string) {
	c.opt.Log.Warn("a record's attachments are more than the district takes before their record; it stays queued: bring it on a stick (kioskctl queue export) or ask the district for more room", "record", id)
	c.update(func(s *Status) { // under c.mu, which guards held too
		c.held[id] = time.Now().Add(heldFor)
		s.Held = len(c.held)
	})
}

// sendable returns the batch without the records held back, holding back
// first those whose attachments are more than the room the district last
// said it has.
func (c *Client) sendable(batch []outbox.Record) []outbox.Record {
	c.mu.Lock()
	room := c.room
	c.mu.Unlock()
	for _, r := range batch {
		var size int64
		for _, a := range r.Attachments {
			size += a.Size
		}
		if room > 0 && size > room && !c.isHeld(r.ID) {
			c.hold(r.ID)
		}
	}
	var out []outbox.Record
	for _, r := range batch {
		if !c.isHeld(r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// isHeld reports whether the record is held back now, forgetting holds
// that have run out.
func (c *Client) isHeld(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.held[id]
	if ok && time.Now().After(until) {
		delete(c.held, id)
		c.status.Held = len(c.held)
		ok = false
	}
	return ok
}

// putBlob makes sure the district holds the whole attachment: it sends it
// from where the district's copy ends, which the district tells in its
// answer when the terminal guessed wrong (an upload cut earlier).
func (c *Client) putBlob(ctx context.Context, ref outbox.AttachmentRef) error {
	offset := int64(0)
	for range 5 {
		err := c.patchBlob(ctx, ref, offset)
		if err == nil {
			return nil
		}
		var ae *AnswerError
		var moved *movedError
		switch {
		case errors.As(err, &moved):
			offset = moved.have
		case errors.As(err, &ae) && ae.Status == http.StatusConflict:
			// The district is still writing this blob for an earlier
			// request of ours, cut a moment ago: give it a moment to see
			// the cut.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(300 * time.Millisecond):
			}
		case errors.As(err, &ae) && ae.Err.Code == protocol.CodeBadRequest:
			// The district found the bytes do not hash to their name. If
			// the terminal's copy does, the damage was on the way or at
			// the district (which dropped its copy): send it again next
			// round. If not, the file was damaged after it was sealed.
			if local := c.hashAttachment(ref); local != nil {
				return &recordError{reason: "terminal: attachment " + ref.Name + " damaged in the outbox: " + local.Error()}
			}
			return err
		default:
			return err
		}
	}
	return fmt.Errorf("sync: attachment %s: the district's copy kept moving", ref.Name)
}

// movedError is the district saying its copy ends elsewhere than the
// terminal guessed.
type movedError struct{ have int64 }

func (e *movedError) Error() string { return fmt.Sprintf("district holds %d bytes", e.have) }

// patchBlob sends the attachment from offset to its end in one request.
func (c *Client) patchBlob(ctx context.Context, ref outbox.AttachmentRef, offset int64) error {
	f, err := c.opt.Queue.OpenAttachment(ref)
	if errors.Is(err, fs.ErrNotExist) {
		return &recordError{reason: "terminal: attachment " + ref.Name + " missing from the outbox"}
	}
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	defer f.Close()
	if _, err := io.CopyN(io.Discard, f, offset); err != nil {
		return &recordError{reason: "terminal: attachment " + ref.Name + " shorter than recorded"}
	}
	// Long enough for the slowest link a terminal should work on
	// (32 KiB/s), short enough that a stalled link is given up.
	timeout := c.opt.AnswerTimeout + time.Duration(ref.Size-offset)*time.Second/(32<<10)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	header := http.Header{}
	header.Set(protocol.HeaderOffset, strconv.FormatInt(offset, 10))
	header.Set(protocol.HeaderLength, strconv.FormatInt(ref.Size, 10))
	header.Set("Content-Type", "application/octet-stream")
	body := &localReader{r: io.LimitReader(f, ref.Size-offset)}
	resp, err := c.do(ctx, http.MethodPatch, protocol.PathBlobs+blobName(ref), sized{body, ref.Size - offset}, header)
	// A file that reads short or fails to read is the terminal's own
	// damage: no link will carry it, so its record is set aside.
	if body.err != nil {
		return &recordError{reason: fmt.Sprintf("terminal: attachment %s unreadable in the outbox: %v", ref.Name, body.err)}
	}
	if body.eof && body.n < ref.Size-offset {
		return &recordError{reason: fmt.Sprintf("terminal: attachment %s in the outbox is %d bytes short", ref.Name, ref.Size-offset-body.n)}
	}
	if resp == nil {
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode == http.StatusConflict && resp.Header.Get(protocol.HeaderOffset) != "" {
		have, perr := strconv.ParseInt(resp.Header.Get(protocol.HeaderOffset), 10, 64)
		if perr != nil || have < 0 || have > ref.Size {
			return fmt.Errorf("sync: district holds %q bytes of a %d-byte attachment", resp.Header.Get(protocol.HeaderOffset), ref.Size)
		}
		return &movedError{have: have}
	}
	return err
}

// localReader reads an attachment from the outbox and remembers how it
// ended, to tell the terminal's damage from the link's.
type localReader struct {
	r   io.Reader
	n   int64
	eof bool
	err error
}

func (l *localReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	switch {
	case err == io.EOF:
		l.eof = true
	case err != nil:
		l.err = err
	}
	return n, err
}

// sized is a body whose length is known, so the request carries a
// Content-Length and the district can refuse a short one.
type sized struct {
	io.Reader
	n int64
}

// hashAttachment checks the outbox's copy of an attachment against its
// name; nil means it is whole.
func (c *Client) hashAttachment(ref outbox.AttachmentRef) error {
	f, err := c.opt.Queue.OpenAttachment(ref)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if n != ref.Size || hex.EncodeToString(h.Sum(nil)) != blobName(ref) {
		return errors.New("its bytes do not match its SHA-256")
	}
	return nil
}

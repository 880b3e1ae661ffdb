package client

import (
	"context"
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
		batch := c.fitBatch(waiting)
		after = batch[len(batch)-1].Seq

		// Records whose attachments cannot be sent, for a reason that will
		// not pass (the file is gone or damaged on the terminal), are
		// settled as rejected here, so they never hold up the queue.
		broken, err := c.uploadAttachments(ctx, batch)
		if err != nil {
			return err
		}
		var outcomes []outbox.Outcome
		var send []protocol.Record
		for _, r := range batch {
			if why, ok := broken[r.ID]; ok {
				outcomes = append(outcomes, outbox.Outcome{ID: r.ID, Rejected: why})
				continue
			}
			send = append(send, wireRecord(r))
		}
		if len(send) > 0 {
			var resp protocol.RecordsResponse
			if _, err := c.call(ctx, http.MethodPost, protocol.PathRecords, protocol.RecordsRequest{Records: send}, &resp); err != nil {
				return err
			}
			if len(resp.Results) != len(send) {
				return fmt.Errorf("sync: district answered %d of %d records", len(resp.Results), len(send))
			}
			for i, res := range resp.Results {
				if res.ID != send[i].ID {
					return fmt.Errorf("sync: district answered for %s in the place of %s", res.ID, send[i].ID)
				}
				switch res.Status {
				case protocol.Accepted, protocol.Duplicate:
					outcomes = append(outcomes, outbox.Outcome{ID: res.ID})
				case protocol.Rejected:
					outcomes = append(outcomes, outbox.Outcome{ID: res.ID, Rejected: "district: " + res.Reason})
				case protocol.Missing:
					// An attachment did not arrive whole: the next round
					// resumes it and sends the record again.
				}
			}
		}
		if err := c.opt.Queue.Settle(outcomes); err != nil {
			return fmt.Errorf("sync: %w", err)
		}
		c.count(outcomes)
	}
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

// fitBatch returns the longest head of recs whose request stays under the
// byte bound (always at least one record: one record is within the bound
// by the protocol's limits).
func (c *Client) fitBatch(recs []outbox.Record) []outbox.Record {
	size := 0
	for i, r := range recs {
		// base64 grows the sealed part by a third; the rest of a record
		// is a few hundred bytes.
		size += len(r.Sealed)*4/3 + 512 + 160*len(r.Attachments)
		if size > c.opt.BatchBytes && i > 0 {
			return recs[:i]
		}
	}
	return recs
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

// uploadAttachments sends the batch's attachments, c.opt.Uploads at once.
// It returns the records that cannot be sent, with why, or the first
// error of the link.
func (c *Client) uploadAttachments(ctx context.Context, batch []outbox.Record) (map[string]string, error) {
	type job struct {
		record string
		ref    outbox.AttachmentRef
	}
	jobs := make(chan job)
	var (
		mu      sync.Mutex
		broken  = map[string]string{}
		linkErr error
		wg      sync.WaitGroup
	)
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
				case err != nil && linkErr == nil:
					linkErr = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, r := range batch {
		for _, a := range r.Attachments {
			select {
			case jobs <- job{r.ID, a}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if linkErr == nil && ctx.Err() != nil {
		linkErr = ctx.Err()
	}
	return broken, linkErr
}

// putBlob makes sure the district holds the whole attachment: it sends it
// from where the district's copy ends, which the district tells in its
// answer when the terminal guessed wrong (an upload cut earlier).
func (c *Client) putBlob(ctx context.Context, ref outbox.AttachmentRef) error {
	offset := int64(0)
	for range 3 {
		err := c.patchBlob(ctx, ref, offset)
		if err == nil {
			return nil
		}
		var ae *AnswerError
		var moved *movedError
		switch {
		case errors.As(err, &moved):
			offset = moved.have
		case errors.As(err, &ae) && ae.Err.Code == protocol.CodeBadRequest:
			// The bytes on the terminal do not hash to their name: the
			// file was damaged after it was sealed.
			return &recordError{reason: "terminal: attachment " + ref.Name + " damaged in the outbox: " + ae.Err.Message}
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
	body := io.LimitReader(f, ref.Size-offset)
	resp, err := c.do(ctx, http.MethodPatch, protocol.PathBlobs+blobName(ref), sized{body, ref.Size - offset}, header)
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

// sized is a body whose length is known, so the request carries a
// Content-Length and the district can refuse a short one.
type sized struct {
	io.Reader
	n int64
}

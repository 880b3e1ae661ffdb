package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"filippo.io/age"

	"github.com/yizhan-kiosk/yizhan/devices/idcard"
	"github.com/yizhan-kiosk/yizhan/kiosk/config"
	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// openOutbox opens the queue in the data folder. A terminal that has not
// been provisioned has no district key: it runs, and says so, but takes no
// submissions. In demo mode a district key is made on first start; only its
// public half is kept, so even the demo cannot read what it queued.
func openOutbox(cfg config.Config, demo bool, log *slog.Logger) (*outbox.Store, error) {
	keysPath := cfg.Outbox.DistrictKeys
	text, err := os.ReadFile(keysPath)
	if errors.Is(err, fs.ErrNotExist) && demo {
		text, err = makeDemoDistrictKey(keysPath)
	}
	if errors.Is(err, fs.ErrNotExist) {
		log.Warn("outbox closed: no district key; provision the terminal", "path", keysPath)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("district keys: %w", err)
	}
	s, err := outbox.OpenSealedTo(cfg.DataDir, string(text), int64(cfg.Outbox.BudgetMiB)<<20)
	if err != nil {
		return nil, err
	}
	if why := s.Recovered(); why != "" {
		log.Error("outbox: damaged store replaced", "detail", why)
	}
	return s, nil
}

func makeDemoDistrictKey(path string) ([]byte, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	text := []byte(id.Recipient().String() + "\n")
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	return text, os.WriteFile(path, text, 0o644)
}

// queueWatch keeps the number of records waiting for the district, for
// the status bar, and expires old acknowledged records. It counts again
// when asked (a submission, a sync that settled records) and once a
// minute for what changes the queue from outside (kioskctl queue export),
// and calls changed when the number changed.
type queueWatch struct {
	waiting atomic.Int64
	recount chan struct{}
	changed func()
}

func newQueueWatch(changed func()) *queueWatch {
	return &queueWatch{recount: make(chan struct{}, 1), changed: changed}
}

// poke asks for a count soon; it never blocks.
func (q *queueWatch) poke() {
	select {
	case q.recount <- struct{}{}:
	default:
	}
}

func (q *queueWatch) run(ctx context.Context, wg *sync.WaitGroup, s *outbox.Store, retention time.Duration, log *slog.Logger) {
	wg.Go(func() {
		count := func() {
			st, err := s.Stats()
			if err != nil {
				log.Error("outbox stats", "err", err)
				return
			}
			n := int64(st.ByState[outbox.Queued] + st.ByState[outbox.Sending] + st.ByState[outbox.Exported])
			if q.waiting.Swap(n) != n && q.changed != nil {
				q.changed()
			}
			if u := s.Usage(); u.Near {
				log.Warn("outbox near its disk budget", "used", u.Used, "budget", u.Budget)
			}
		}
		count()
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		expire := time.NewTicker(time.Hour)
		defer expire.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-q.recount:
				count()
			case <-tick.C:
				count()
			case <-expire.C:
				if n, err := s.Expire(retention); err != nil {
					log.Error("outbox expire", "err", err)
				} else if n > 0 {
					log.Info("outbox: expired acknowledged records", "count", n)
				}
			}
		}
	})
}

// submitSample queues the demo's sample application, as a resident's
// would be: the sample card's fields and a form as the personal part, the
// card photo and a document scan as attachments, all sealed to the
// district. It asks the link to send at once and returns the receipt
// number.
func submitSample(ctx context.Context, q *outbox.Store, terminalID string, link *client.Client) (string, error) {
	card := idcard.SampleCards()[0]
	personal, err := json.Marshal(map[string]any{
		"card": card.JSON(true),
		"form": map[string]string{"phone": "13800138000", "reason": "演示：养老金资格认证"},
	})
	if err != nil {
		return "", err
	}
	var scan bytes.Buffer
	if err := png.Encode(&scan, sampleScan()); err != nil {
		return "", err
	}
	// A receipt as a resident's application gets, for the catalog's
	// 养老金领取资格认证 (SB-001): 查询 shows it by its name.
	receipt := journey.ReceiptNumber(terminalID, time.Now())
	_, err = q.Submit(ctx, outbox.Submission{
		Kind:     outbox.Application,
		Public:   outbox.Public{Service: "SB-001", Receipt: receipt},
		Personal: personal,
		IDNumber: card.IDNumber,
		Attachments: []outbox.Attachment{
			{Name: "card-photo.wlt", Data: bytes.NewReader(card.Photo)},
			{Name: "document-1.png", Data: &scan},
		},
	})
	if err != nil {
		return "", err
	}
	if link != nil {
		link.Kick()
	}
	return receipt, nil
}

// sampleScan stands in for a document camera's picture: a page with lines.
func sampleScan() image.Image {
	img := image.NewGray(image.Rect(0, 0, 600, 800))
	for y := range 800 {
		for x := range 600 {
			v := uint8(235)
			if y > 80 && y%40 < 3 && x > 60 && x < 540 {
				v = 90
			}
			img.SetGray(x, y, color.Gray{Y: v})
		}
	}
	return img
}

package journey

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yizhan-kiosk/yizhan/devices/printer"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
)

// What a resident can ask for at "咨询投诉".
const (
	Consultation = "consultation"
	Complaint    = "complaint"
	Suggestion   = "suggestion"
)

// Ask is a consultation, complaint or suggestion: its type, a topic, the
// resident's words (from preset phrases, or typed), and an optional
// call-back number. It is stored as a complaint record and gets a receipt
// number the resident can quote.
type Ask struct {
	deps    Deps
	Type    string
	Topic   string
	Text    string
	Phone   string
	receipt string
	at      time.Time // when it was stored
	// callBack: a phone number was left. It outlives Wipe, so that what
	// the resident is told afterwards promises a reply only to those who
	// can be called.
	callBack bool
	done     bool
}

// AskRecord is the personal part of a complaint record.
type AskRecord struct {
	Type    string    `json:"type"`
	Topic   string    `json:"topic"`
	Text    string    `json:"text"`
	Phone   string    `json:"phone,omitempty"`
	Receipt string    `json:"receipt"`
	At      time.Time `json:"at"`
}

// NewAsk starts one.
func NewAsk(deps Deps) *Ask {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &Ask{deps: deps}
}

// Check says what is missing or wrong, as message keys ("" when ready).
func (a *Ask) Check() string {
	switch {
	case a.Type != Consultation && a.Type != Complaint && a.Type != Suggestion:
		return "ask.choose_type"
	case strings.TrimSpace(a.Topic) == "":
		return "ask.choose_topic"
	case strings.TrimSpace(a.Text) == "":
		return "ask.say_something"
	case utf8.RuneCountInString(a.Text) > 500:
		return "ask.too_long"
	case a.Phone != "" && !ValidPhone(a.Phone):
		return "form.phone"
	}
	return ""
}

// Submit stores it (sealed) and returns its receipt number.
func (a *Ask) Submit(ctx context.Context) (string, error) {
	if a.done {
		return a.receipt, nil
	}
	if why := a.Check(); why != "" {
		return "", errors.New("journey: " + why)
	}
	now := a.deps.Now()
	number := ReceiptNumber(a.deps.TerminalID, now)
	personal, _ := json.Marshal(AskRecord{Type: a.Type, Topic: a.Topic, Text: strings.TrimSpace(a.Text), Phone: a.Phone, Receipt: number, At: now.UTC()})
	_, err := a.deps.Outbox.Submit(ctx, outbox.Submission{Kind: outbox.Complaint, Public: outbox.Public{Receipt: number}, Personal: personal})
	clear(personal)
	if err != nil {
		return "", fmt.Errorf("journey: store %s: %w", a.Type, err)
	}
	if a.deps.Kick != nil {
		a.deps.Kick()
	}
	a.receipt, a.at, a.callBack, a.done = number, now, a.Phone != "", true
	a.Wipe()
	return number, nil
}

// CallBack reports whether the stored question left a phone number, so
// the district will call back; without one the resident follows it up by
// quoting the number.
func (a *Ask) CallBack() bool { return a.done && a.callBack }

// AskSlipText is the wording of the slip printed for a consultation,
// complaint or suggestion, in one language; the screens fill it from the
// translations. TypeName and Topic are the chosen type's and topic's
// words; ByPhone and FollowUp are the two ways of hearing back.
type AskSlipText struct {
	Title, Number, Date, TypeLabel, TypeName, TopicLabel, Topic, ByPhone, FollowUp string
}

// Slip lays out the slip printed once it is stored: the district, the
// number to quote, the date, the type and topic, and how the resident
// hears back — a call only when a phone number was left. It carries
// neither the phone number nor the resident's words: a slip left at the
// terminal tells the next person nothing.
func (a *Ask) Slip(district string, w AskSlipText) printer.Receipt {
	reply := w.FollowUp
	if a.CallBack() {
		reply = w.ByPhone
	}
	var blocks []printer.Block
	if district != "" {
		blocks = append(blocks, printer.Title(district))
	}
	return printer.Receipt{Blocks: append(blocks,
		printer.Text(w.Title).Aligned(printer.Center).Emphasised(),
		printer.Separator(),
		printer.Row(w.Number, a.receipt),
		printer.Row(w.Date, a.at.Format("2006-01-02 15:04")),
		printer.Row(w.TypeLabel, w.TypeName),
		printer.Row(w.TopicLabel, w.Topic),
		printer.Separator(),
		printer.Text(reply),
		printer.Feed(2),
		printer.Cut(),
	)}
}

// Wipe forgets what the resident wrote.
func (a *Ask) Wipe() { a.Text, a.Phone = "", "" }

// StaffCallRecord is the personal part of a staff call: no personal data,
// only where and why, so hall staff and the district see it.
type StaffCallRecord struct {
	Screen string    `json:"screen"` // where the resident was
	At     time.Time `json:"at"`
}

// StaffReply is what a resident who called staff is told.
type StaffReply int

const (
	// StaffCalling: the call is on its way to the district; nothing is
	// promised yet.
	StaffCalling StaffReply = iota
	// StaffComing: the district has the call and the site is staffed now.
	StaffComing
	// StaffHotline: nobody will come now — the terminal is offline, the
	// call went unanswered, or the site is not staffed at this hour —
	// so the resident gets the hotline and the staffed hours.
	StaffHotline
)

// StaffCallPatience is how long a call may wait for the district before
// the resident is given the hotline instead.
const StaffCallPatience = 15 * time.Second

// ReplyToStaffCall says what to tell a resident who called staff waited
// ago: "coming" only when the district has acknowledged the call and the
// site is staffed now; never while offline or out of hours.
func ReplyToStaffCall(delivered, online, staffedNow bool, waited time.Duration) StaffReply {
	switch {
	case !staffedNow || !online && !delivered:
		return StaffHotline
	case delivered:
		return StaffComing
	case waited >= StaffCallPatience:
		return StaffHotline
	}
	return StaffCalling
}

// CallStaff records that a resident asked for help (呼叫帮办) on a screen
// and returns the record's id, to follow its delivery.
func CallStaff(ctx context.Context, deps Deps, screen string) (string, error) {
	now := time.Now
	if deps.Now != nil {
		now = deps.Now
	}
	personal, _ := json.Marshal(StaffCallRecord{Screen: screen, At: now().UTC()})
	rec, err := deps.Outbox.Submit(ctx, outbox.Submission{Kind: outbox.StaffCall, Personal: personal})
	if err != nil {
		return "", err
	}
	if deps.Kick != nil {
		deps.Kick()
	}
	return rec.ID, nil
}

package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/yizhan-kiosk/yizhan/kiosk/journey"
	"github.com/yizhan-kiosk/yizhan/kiosk/session"
)

// staffScreen is 呼叫帮办: a resident's call for staff from another screen,
// followed — the record made of it, when, and what the resident was last
// told — and the way back to that screen with what they had done kept.
type staffScreen struct {
	kit   *kit
	from  string        // the screen the resident called from
	words *widget.Label // what the screen says, updated in place
	id    string        // the outbox record, once saved
	n     int           // counts the calls, so a late save finds its own
	at    time.Time
	reply journey.StaffReply
}

// call records a staff call (呼叫帮办) from the screen the resident is on
// and follows it: the screen says staff are coming only once the district
// has the call and the site is staffed now, and otherwise gives the
// hotline. "Back" returns to that screen, with whatever the resident had
// done kept.
func (s *staffScreen) call() {
	t := s.kit
	from := t.sess.Screen()
	if from == screenStaff {
		return
	}
	s.n++
	s.from, s.at, s.id, s.words = from, t.opt.Now(), "", nil
	if deps := t.opt.ApplyDeps; deps != nil && deps.Outbox != nil {
		d, n := *deps, s.n
		var id string
		t.save("staff call", func(ctx context.Context) (err error) {
			id, err = journey.CallStaff(ctx, d, from)
			return err
		}, func(err error) {
			if err == nil && s.n == n { // still this call
				s.id = id
			}
		})
	}
	t.opt.Log.Info("staff called", "screen", from)
	s.reply = s.replyAt(t.opt.Now())
	t.show(screenStaff)
}

// replyAt is what the screen says at now.
func (s *staffScreen) replyAt(now time.Time) journey.StaffReply {
	t := s.kit
	return journey.ReplyToStaffCall(t.delivered(s.id), t.online(), t.inServiceHours(), now.Sub(s.at))
}

// follow changes the screen's words when what it should say changes (the
// district took the call, or it went unanswered).
func (s *staffScreen) follow(now time.Time) {
	t := s.kit
	if t.sess.Screen() != screenStaff || s.reply == journey.StaffComing {
		return
	}
	if r := s.replyAt(now); r != s.reply {
		s.reply = r
		t.opt.Log.Info("staff call", "reply", int(r))
		// In place: a tap on "back" meanwhile must land.
		if s.words != nil {
			s.words.SetText(s.sentence())
		}
	}
}

// sentence is the screen's words for its reply.
func (s *staffScreen) sentence() string {
	t := s.kit
	hotline := t.opt.District.Hotline
	if hotline == "" {
		hotline = "12345"
	}
	switch s.reply {
	case journey.StaffComing:
		return T("staff.called." + t.opt.Config.SiteKind)
	case journey.StaffHotline:
		if !t.inServiceHours() {
			return T("staff.hotline.out_of_hours", map[string]any{"Hours": t.opt.District.ServiceHours, "Phone": hotline})
		}
		return T("staff.hotline.unanswered", map[string]any{"Phone": hotline})
	}
	return T("staff.calling")
}

func (s *staffScreen) content(th fyne.Theme) fyne.CanvasObject {
	t := s.kit
	l := sentence(s.sentence())
	l.Alignment = fyne.TextAlignCenter
	s.words = l
	back := widget.NewButton(T("staff.back"), t.input(func() {
		from := s.from
		if from == "" || from == screenStaff {
			from = session.Home
		}
		t.show(from)
	}))
	back.Importance = widget.HighImportance
	// The words change as the call goes (calling, then coming or the
	// hotline): they keep the room of two lines, so the button does not
	// move under a finger on its way to it.
	lines := linesRoom(th, fynetheme.SizeNameSubHeadingText, 2, 2*th.Size(fynetheme.SizeNameInnerPadding))
	return t.framed(th, container.NewCenter(t.wide(newCard(th, container.NewVBox(container.NewStack(lines, l), bigButton(th, back))))))
}

// wipe forgets where the resident called from. The call itself stays
// followed: its record is the district's now, and a late save must still
// find it (n).
func (s *staffScreen) wipe() {
	s.from, s.words = "", nil
}

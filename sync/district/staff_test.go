package district

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/yizhan-kiosk/yizhan/sync/passhash"
)

// openStaff is a district whose passwords hash at argon2id's smallest
// costs, on a clock the test moves.
func openStaff(t *testing.T) (*District, *clock) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}
	d, err := Open(onStore(t, Options{Dir: t.TempDir(), Now: clk.Now, PasswordCost: passhash.Params{Memory: 64, Time: 1, Threads: 1}}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d, clk
}

func TestStaffAccountsLogInWithTheirOwnPasswordOnly(t *testing.T) {
	d, _ := openStaff(t)
	if err := d.AddStaff("admin", "li.ming", RoleSupervisor, "Qingdao2026"); err != nil {
		t.Fatal(err)
	}
	if err := d.AddStaff("admin", "li.ming", RoleStaff, "Another2026"); !errors.Is(err, ErrStaffExists) {
		t.Fatalf("the same name twice: %v", err)
	}
	s, err := d.StaffLogin("li.ming", "Qingdao2026", "", "127.0.0.1")
	if err != nil || s.Role != RoleSupervisor || s.Name != "li.ming" {
		t.Fatalf("login: %+v, %v", s, err)
	}
	for _, bad := range [][2]string{{"li.ming", "qingdao2026"}, {"li.ming", ""}, {"wang", "Qingdao2026"}} {
		if _, err := d.StaffLogin(bad[0], bad[1], "", "127.0.0.1"); !errors.Is(err, ErrLoginFailed) {
			t.Errorf("%q/%q: %v", bad[0], bad[1], err)
		}
	}
	if err := d.SetStaffPassword("admin", "li.ming", "Weihai20261"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StaffLogin("li.ming", "Qingdao2026", "", "127.0.0.1"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("the old password after passwd: %v", err)
	}
	if _, err := d.StaffLogin("li.ming", "Weihai20261", "", "127.0.0.1"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if err := d.DisableStaff("admin", "li.ming"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StaffLogin("li.ming", "Weihai20261", "", "127.0.0.1"); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("a disabled account: %v", err)
	}
	list, err := d.StaffList()
	if err != nil || len(list) != 1 || !list[0].Disabled {
		t.Fatalf("list: %+v, %v", list, err)
	}
	if err := d.DisableStaff("admin", "nobody"); !errors.Is(err, ErrNoStaff) {
		t.Fatalf("disable nobody: %v", err)
	}
}

// Five wrong passwords lock the account for a quarter of an hour, during
// which even the right one is refused; then it opens, and an admin's
// passwd opens it at once.
func TestWrongPasswordsLockTheAccount(t *testing.T) {
	d, clk := openStaff(t)
	if err := d.AddStaff("admin", "zhao", RoleStaff, "Qufu2026abc"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < MaxLoginFailures; i++ {
		if _, err := d.StaffLogin("zhao", "wrong-"+strings.Repeat("x", i), "", "127.0.0.1"); !errors.Is(err, ErrLoginFailed) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	var locked *LockedError
	if _, err := d.StaffLogin("zhao", "wrong-again", "", "127.0.0.1"); !errors.As(err, &locked) || !locked.Until.Equal(clk.now.Add(LoginLockout)) {
		t.Fatalf("the fifth wrong password: %v", err)
	}
	clk.now = clk.now.Add(LoginLockout - time.Second)
	if _, err := d.StaffLogin("zhao", "Qufu2026abc", "", "127.0.0.1"); !errors.As(err, &locked) {
		t.Fatalf("the right password while locked: %v", err)
	}
	clk.now = clk.now.Add(time.Second)
	if _, err := d.StaffLogin("zhao", "Qufu2026abc", "", "127.0.0.1"); err != nil {
		t.Fatalf("the right password once the lock ran out: %v", err)
	}
	// The count starts again after a right password.
	for i := 0; i < MaxLoginFailures-1; i++ {
		d.StaffLogin("zhao", "nope", "", "127.0.0.1")
	}
	if _, err := d.StaffLogin("zhao", "Qufu2026abc", "", "127.0.0.1"); err != nil {
		t.Fatalf("four wrong, then right: %v", err)
	}
	for i := 0; i < MaxLoginFailures; i++ {
		d.StaffLogin("zhao", "nope", "", "127.0.0.1")
	}
	if err := d.SetStaffPassword("admin", "zhao", "Linyi202612"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StaffLogin("zhao", "Linyi202612", "", "127.0.0.1"); err != nil {
		t.Fatalf("after an admin set a new password: %v", err)
	}
}

// Guesses sent all at once are each counted: the lock is not raced past.
func TestConcurrentGuessesAreAllCounted(t *testing.T) {
	d, _ := openStaff(t)
	if err := d.AddStaff("admin", "sun", RoleStaff, "Yantai20261"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 2*MaxLoginFailures; i++ {
		wg.Go(func() { d.StaffLogin("sun", "guess", "", "127.0.0.1") })
	}
	wg.Wait()
	var locked *LockedError
	if _, err := d.StaffLogin("sun", "Yantai20261", "", "127.0.0.1"); !errors.As(err, &locked) {
		t.Fatalf("after %d concurrent guesses the right password: %v", 2*MaxLoginFailures, err)
	}
}

func TestStaffNamesPasswordsAndRoles(t *testing.T) {
	d, _ := openStaff(t)
	for _, name := range []string{"", "Li", "1li", "li ming", "li/ming", strings.Repeat("a", 33), "张三"} {
		if err := d.AddStaff("admin", name, RoleStaff, "Qingdao2026"); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	for _, pw := range []string{"short1", "onlyletterslong", "1234567890123", "wu.fang2026x", strings.Repeat("a1", 65)} {
		if err := d.AddStaff("admin", "wu.fang", RoleStaff, pw); err == nil {
			t.Errorf("password %q accepted", pw)
		}
	}
	if err := d.AddStaff("admin", "wu.fang", Role("root"), "Qingdao2026"); err == nil {
		t.Error("role root accepted")
	}
	if err := d.AddStaff("admin", "wu.fang", RoleAdmin, "政务服务中心2026"); err != nil {
		t.Errorf("a Chinese password: %v", err)
	}
	if list, _ := d.StaffList(); len(list) != 1 {
		t.Fatalf("refused accounts were kept: %+v", list)
	}
}

// Every login attempt and account change is in the trail, chained; an
// unknown name is not, for it may be a password typed in the wrong box;
// an edit of the store file breaks the chain.
func TestTheAuditTrailRecordsAndShowsEdits(t *testing.T) {
	d, clk := openStaff(t)
	if err := d.AddStaff(CommandLine, "qian", RoleAdmin, "Jinan2026ab"); err != nil {
		t.Fatal(err)
	}
	d.StaffLogin("qian", "Jinan2026ab", "", "10.0.0.7")
	d.StaffLogin("qian", "wrong", "", "10.0.0.7")
	d.StaffLogin("Jinan2026ab", "qian", "", "10.0.0.7") // name and password swapped
	clk.now = clk.now.Add(time.Minute)
	d.DisableStaff("qian", "qian")
	trail, err := d.AuditTrail(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range trail {
		got = append(got, ev.Staff+" "+ev.Action+" "+ev.Object)
		if strings.Contains(ev.Staff+ev.Object+ev.Detail, "Jinan2026ab") {
			t.Errorf("a password in the trail: %+v", ev)
		}
	}
	want := []string{"command line staff_added qian", "qian login ", "qian login_failed ", " login_failed ", "qian staff_disabled qian"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("trail\n %q\nwant\n %q", got, want)
	}
	if trail[1].From != "10.0.0.7" || !trail[4].At.Equal(clk.now) || trail[4].Seq != 5 {
		t.Fatalf("events %+v", trail)
	}
	if page, _ := d.AuditTrail(3, 1); len(page) != 1 || page[0].Seq != 4 {
		t.Fatalf("a page after 3: %+v", page)
	}
	if err := d.VerifyAuditTrail(); err != nil {
		t.Fatal(err)
	}
	// Someone with the store file edits an event.
	d.db.Update(func(tx Tx) error {
		b := tx.Bucket(bucketAudit)
		return b.Put(seqKey(2), bytes.Replace(b.Get(seqKey(2)), []byte(`"login"`), []byte(`"logout"`), 1))
	})
	if err := d.VerifyAuditTrail(); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("an edited event: %v", err)
	}
}

// TestTwoStepLogin: with two-step on, the password alone is refused and
// counts towards the lock; the code of the step now (or one off) is taken
// once; an admin turns it off for a lost phone.
func TestTwoStepLogin(t *testing.T) {
	d, clk := openStaff(t)
	if err := d.AddStaff(CommandLine, "sun", RoleStaff, "Yantai2026x"); err != nil {
		t.Fatal(err)
	}
	secret, address, err := d.NewTOTPKey("sun")
	if err != nil || !strings.HasPrefix(address, "otpauth://totp/") || !strings.Contains(address, secret) {
		t.Fatalf("key: %q %v", address, err)
	}
	code := func(at time.Time) string {
		c, _ := totp.GenerateCode(secret, at)
		return c
	}
	if err := d.EnableTOTP("sun", secret, "000000", ""); !errors.Is(err, ErrTOTPCode) && code(clk.now) != "000000" { // (one in a million it is the code)
		t.Fatalf("enabled with a wrong code: %v", err)
	}
	if err := d.EnableTOTP("sun", secret, code(clk.now), ""); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := d.StaffAccount("sun"); !s.TwoStep {
		t.Fatal("two-step not shown on the account")
	}
	// The code that enabled it is used.
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now), ""); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("a code used again: %v", err)
	}
	if _, err := d.StaffLogin("sun", "Yantai2026x", "", ""); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("the password alone: %v", err)
	}
	clk.now = clk.now.Add(time.Minute)
	// A phone 30 s behind.
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now.Add(-30*time.Second)), ""); err != nil {
		t.Fatalf("a code one step behind: %v", err)
	}
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now.Add(-30*time.Second)), ""); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("the same code twice: %v", err)
	}
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now), ""); err != nil {
		t.Fatalf("the next code: %v", err)
	}
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now.Add(3*time.Minute)), ""); !errors.Is(err, ErrLoginFailed) {
		t.Fatalf("a code three minutes ahead: %v", err)
	}
	for range MaxLoginFailures - 1 {
		d.StaffLogin("sun", "Yantai2026x", "123", "")
	}
	var locked *LockedError
	if _, err := d.StaffLogin("sun", "Yantai2026x", code(clk.now.Add(30*time.Second)), ""); !errors.As(err, &locked) {
		t.Fatalf("wrong codes do not lock: %v", err)
	}
	if err := d.DisableTOTP(CommandLine, "sun"); err != nil {
		t.Fatal(err)
	}
	clk.now = clk.now.Add(LoginLockout)
	if _, err := d.StaffLogin("sun", "Yantai2026x", "", ""); err != nil {
		t.Fatalf("after two-step was turned off: %v", err)
	}
}

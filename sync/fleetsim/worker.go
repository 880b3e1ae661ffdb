package fleetsim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/yizhan-kiosk/yizhan/sync/client"
	"github.com/yizhan-kiosk/yizhan/sync/outbox"
	"github.com/yizhan-kiosk/yizhan/sync/protocol"
)

// workerEnv marks a process Run started as a worker.
const workerEnv = "YIZHAN_FLEETSIM_WORKER"

// A worker and Run speak JSON lines over the worker's stdin and stdout:
// Run sends a job; the worker enrolls its terminals, syncs each once and
// answers ready; Run sends measure to every worker at once; each measures
// for the job's Duration and answers its result, then ends.

// job is one worker's share of the fleet.
type job struct {
	Dir         string        `json:"dir"`
	First       int           `json:"first"` // the fleet's number of Terminals[0]
	Terminals   []simTerminal `json:"terminals"`
	Round       time.Duration `json:"round"`
	AppsPerHour float64       `json:"apps_per_hour"`
	Photo       int           `json:"photo"`
	Duration    time.Duration `json:"duration"`
}

// simTerminal is a terminal to enroll: its id, its one-time token and the
// replica it syncs with.
type simTerminal struct {
	ID      string `json:"id"`
	Token   string `json:"token"`
	Backend string `json:"backend"`
}

// answer is a worker's line: ready, or its result, or why it failed.
type answer struct {
	Ready     bool            `json:"ready,omitempty"`
	Latencies []time.Duration `json:"latencies,omitempty"` // of every round measured
	Failed    int             `json:"failed,omitempty"`    // rounds that ended in an error
	Records   int             `json:"records,omitempty"`   // acknowledged in the measured time
	CPU       time.Duration   `json:"cpu,omitempty"`       // the worker's in the measured time
	Err       string          `json:"err,omitempty"`
}

// Worker makes this process a fleet worker when Run started it as one: it
// runs its share of the fleet and exits. Otherwise it returns at once. A
// program that calls Run calls Worker first (a test binary in TestMain).
func Worker() {
	if os.Getenv(workerEnv) != "1" {
		return
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if err := work(os.Stdin, os.Stdout, log); err != nil {
		json.NewEncoder(os.Stdout).Encode(answer{Err: err.Error()})
		os.Exit(1)
	}
	os.Exit(0)
}

// worker is Run's handle on a worker process.
type worker struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *json.Decoder
}

// startWorker starts this program again as a worker and gives it j.
func startWorker(ctx context.Context, j job) (*worker, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("fleetsim: worker: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), workerEnv+"=1")
	cmd.Stderr = os.Stderr
	// A worker never outlives Run's process, however that ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("fleetsim: worker: %w", err)
	}
	w := &worker{cmd: cmd, in: in, out: json.NewDecoder(bufio.NewReader(out))}
	if err := json.NewEncoder(in).Encode(j); err != nil {
		w.stop()
		return nil, fmt.Errorf("fleetsim: worker: %w", err)
	}
	return w, nil
}

// ready waits for the worker's fleet to be enrolled and synced once.
func (w *worker) ready() error {
	a, err := w.answer()
	if err == nil && !a.Ready {
		err = errors.New("fleetsim: worker: answered a result before ready")
	}
	return err
}

// measure starts the worker's measured time.
func (w *worker) measure() error {
	_, err := io.WriteString(w.in, "\"measure\"\n")
	return err
}

// result waits for what the worker measured.
func (w *worker) result() (answer, error) {
	return w.answer()
}

func (w *worker) answer() (answer, error) {
	var a answer
	if err := w.out.Decode(&a); err != nil {
		return a, fmt.Errorf("fleetsim: worker %d ended: %w", w.cmd.Process.Pid, err)
	}
	if a.Err != "" {
		return a, fmt.Errorf("fleetsim: worker: %s", a.Err)
	}
	return a, nil
}

// stop ends the worker, done or not, and waits for it.
func (w *worker) stop() {
	w.in.Close()
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// terminal is one simulated terminal.
type terminal struct {
	id     string
	queue  *outbox.Store
	client *client.Client
	state  *client.State
}

// work is a worker's life: its job from in, its answers to out.
func work(in io.Reader, out io.Writer, log *slog.Logger) error {
	raiseFileLimit()
	dec := json.NewDecoder(in)
	enc := json.NewEncoder(out)
	var j job
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("job: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// Enrolled a few at a time.
	terms := make([]*terminal, len(j.Terminals))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, len(terms))
	for i, st := range j.Terminals {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t, err := enroll(ctx, j, st)
			if err != nil {
				errs <- err
				return
			}
			terms[i] = t
		})
	}
	wg.Wait()
	close(errs)
	defer func() {
		for _, t := range terms {
			if t != nil {
				t.state.Close()
				t.queue.Close()
			}
		}
	}()
	if err := <-errs; err != nil {
		return err
	}

	// At work, once all are enrolled: every terminal syncs every Round,
	// its first at a random point of the first, so that the fleet's
	// rounds are spread as a fleet's are whose terminals came up over
	// months, not all in the same second.
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failed    int
		measuring atomic.Bool
	)
	photo := make([]byte, j.Photo)
	for i := range photo {
		photo[i] = byte(i * 7)
	}
	var first, running sync.WaitGroup
	first.Add(len(terms))
	for i, t := range terms {
		running.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(j.First+i), 42))
			round := func() {
				began := time.Now()
				err := t.client.Once(ctx)
				took := time.Since(began)
				if measuring.Load() && ctx.Err() == nil {
					mu.Lock()
					latencies = append(latencies, took)
					if err != nil {
						failed++
						if failed <= 10 {
							log.Warn("round failed", "terminal", t.id, "err", err)
						}
					}
					mu.Unlock()
				}
			}
			timer := time.NewTimer(time.Duration(rnd.Int64N(int64(j.Round))))
			defer timer.Stop()
			for n := 0; ; n++ {
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
				if n == 0 {
					round()
					first.Done()
					timer.Reset(j.Round)
					continue
				}
				// Applications since the last round: a Poisson count.
				for range poisson(rnd, j.AppsPerHour*j.Round.Hours()) {
					if err := submit(ctx, t, rnd, photo); err != nil {
						log.Warn("submit", "terminal", t.id, "err", err)
					}
				}
				round()
				timer.Reset(j.Round)
			}
		})
	}
	defer running.Wait()
	defer cancel()
	first.Wait()
	if err := enc.Encode(answer{Ready: true}); err != nil {
		return err
	}

	var measure string
	if err := dec.Decode(&measure); err != nil || measure != "measure" {
		return fmt.Errorf("waiting to measure: %q, %v", measure, err)
	}
	sentBefore, cpuBefore := sent(terms), cpuTime()
	measuring.Store(true)
	time.Sleep(j.Duration)
	measuring.Store(false)
	res := answer{CPU: cpuTime() - cpuBefore, Records: sent(terms) - sentBefore}
	mu.Lock()
	res.Latencies, res.Failed = slices.Clone(latencies), failed
	mu.Unlock()
	return enc.Encode(res)
}

func sent(terms []*terminal) int {
	n := 0
	for _, t := range terms {
		n += t.client.Status().Sent
	}
	return n
}

// poisson draws a count of events of mean lambda.
func poisson(rnd *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rnd.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func submit(ctx context.Context, t *terminal, rnd *rand.Rand, photo []byte) error {
	personal := fmt.Appendf(nil, `{"service":"SB-001","form":{"phone":"1380013%04d"}}`, rnd.IntN(10000))
	// A photo a little different each time: attachments are content-addressed.
	p := slices.Clone(photo)
	p[0], p[1] = byte(rnd.Uint32()), byte(rnd.Uint32())
	_, err := t.queue.Submit(ctx, outbox.Submission{Kind: outbox.Application,
		Public:      outbox.Public{Service: "SB-001", Receipt: fmt.Sprintf("%s-%d", t.id, rnd.Uint32())},
		Personal:    personal,
		Attachments: []outbox.Attachment{{Name: "face.jpg", Data: bytes.NewReader(p)}}})
	return err
}

// enroll enrolls st with its token and opens its outbox, state and client.
func enroll(ctx context.Context, j job, st simTerminal) (*terminal, error) {
	dir := filepath.Join(j.Dir, "terminals", st.ID)
	// A district pressed hard refuses connections past its cap, as a
	// technician would find: try again a few times, a few seconds apart.
	var ident *client.Identity
	var err error
	for try := 1; ; try++ {
		ident, err = client.Enroll(ctx, client.EnrollOptions{Backend: st.Backend, Token: st.Token, TerminalID: st.ID,
			Dir: client.IdentityDir(dir), KeysPath: filepath.Join(dir, "district.pub")})
		if err == nil {
			break
		}
		if try == 5 || ctx.Err() != nil {
			return nil, fmt.Errorf("enroll %s: %w", st.ID, err)
		}
		time.Sleep(time.Duration(1+rand.IntN(4)) * time.Second)
	}
	keys, err := os.ReadFile(filepath.Join(dir, "district.pub"))
	if err != nil {
		return nil, err
	}
	q, err := outbox.OpenSealedTo(dir, string(keys), 0)
	if err != nil {
		return nil, err
	}
	state, err := client.OpenState(dir)
	if err != nil {
		q.Close()
		return nil, err
	}
	hb := protocol.Heartbeat{Software: "fleetsim", Devices: map[string]string{"idcard": "online", "printer": "online", "facecam": "online"}}
	c, err := client.New(client.Options{Identity: ident, Queue: q, State: state, HeartbeatEvery: j.Round,
		Log: slog.New(slog.DiscardHandler), Heartbeat: func() protocol.Heartbeat { return hb }})
	if err != nil {
		state.Close()
		q.Close()
		return nil, err
	}
	return &terminal{id: st.ID, queue: q, client: c, state: state}, nil
}

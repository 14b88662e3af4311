package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"time"
)

// loadEnv names the load process's settings; set, the binary is the load.
const loadEnv = "TORI_BENCH_LOAD"

// loadSpec is what the load process is told.
type loadSpec struct {
	Clients                             int
	Think, Arrive                       time.Duration
	Limits, SameTherapist, PayAtSession bool
}

// loadHello is the load process's first line.
type loadHello struct{ Telegram, PayPal string }

// loadDone is its last.
type loadDone struct {
	loadResult
	Err string `json:",omitempty"`
}

// loadProcess is the load side of tori bench -apart: this same binary,
// started with loadEnv set, so that a profile of the bench is tori's alone
// and the clients' and fake servers' garbage is not collected in tori's
// process. The two talk over the child's stdin and stdout, a JSON line at a
// time: the child says where its servers are (loadHello), the parent says
// "go" once its bot is polling, the child answers with its result
// (loadDone) and exits when its stdin closes.
type loadProcess struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Reader
	hello loadHello
}

// startLoadProcess starts the load process and reads where its servers are.
func startLoadProcess(ctx context.Context, cfg benchConfig, clients int, logw io.Writer) (*loadProcess, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench -apart: cannot find this program to start the load process: %w", err)
	}

	spec, _ := json.Marshal(loadSpec{Clients: clients, Think: cfg.think, Arrive: cfg.arrive,
		Limits: cfg.limits, SameTherapist: cfg.sameTherapist, PayAtSession: cfg.payAtSession})
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), loadEnv+"="+string(spec))
	cmd.Stderr = logw

	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("bench -apart: starting the load process: %w", err)
	}

	p := &loadProcess{cmd: cmd, in: in, out: bufio.NewReader(out)}
	// Its first line comes within moments, unless the run is stopped.
	stop := context.AfterFunc(ctx, func() { cmd.Process.Kill() })
	late := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	err = p.read(&p.hello)
	stop()
	late.Stop()
	if err != nil {
		p.Close()
		return nil, fmt.Errorf("bench -apart: the load process did not start: %w", err)
	}
	return p, nil
}

// read decodes the load process's next line into v.
func (p *loadProcess) read(v any) error {
	line, err := p.out.ReadBytes('\n')
	if err != nil {
		return err
	}
	return json.Unmarshal(line, v)
}

func (p *loadProcess) URLs() (string, string) { return p.hello.Telegram, p.hello.PayPal }

func (p *loadProcess) Drive(ctx context.Context) (loadResult, error) {
	if _, err := io.WriteString(p.in, "go\n"); err != nil {
		return loadResult{}, fmt.Errorf("bench -apart: the load process is gone: %w", err)
	}

	// A stopped run ends the clients (their stdin closes), and they report
	// what they did; a process that does not is killed.
	stop := context.AfterFunc(ctx, func() {
		p.in.Close()
		time.AfterFunc(10*time.Second, func() { p.cmd.Process.Kill() })
	})
	defer stop()

	var d loadDone
	if err := p.read(&d); err != nil {
		return loadResult{}, fmt.Errorf("bench -apart: no result from the load process: %w", err)
	}
	if d.Err != "" {
		return d.loadResult, errors.New(d.Err)
	}
	return d.loadResult, nil
}

// lockedWriter is a writer for the bench's log and the load process's
// stderr, which os/exec copies from a goroutine of its own.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Close ends the load process: its stdin closes, and it exits.
func (p *loadProcess) Close() {
	p.in.Close()
	done := make(chan struct{})
	go func() { p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-done
	}
}

// runBenchLoad is the load process: spec is loadEnv's value.
func runBenchLoad(ctx context.Context, spec string, in io.Reader, out io.Writer) error {
	var s loadSpec
	if err := json.Unmarshal([]byte(spec), &s); err != nil || s.Clients < 1 {
		return fmt.Errorf("%s is set for tori bench's load process only (%q is not its settings); unset it", loadEnv, spec)
	}

	l := newBenchLoad(benchConfig{think: s.Think, arrive: s.Arrive, limits: s.Limits, sameTherapist: s.SameTherapist, payAtSession: s.PayAtSession}, s.Clients)
	defer l.Close()
	enc := json.NewEncoder(out)
	if err := enc.Encode(loadHello{Telegram: l.fake.URL, PayPal: l.pp.URL}); err != nil {
		return err
	}

	// Then "go", once the parent's bot is polling.
	r := bufio.NewReader(in)
	if _, err := r.ReadString('\n'); err != nil {
		return nil // the parent went away before "go"
	}

	// Its stdin closing ends the load, whatever it is doing.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	closed := make(chan struct{})
	go func() { io.Copy(io.Discard, r); cancel(); close(closed) }()

	res, err := l.Drive(ctx)
	d := loadDone{loadResult: res}
	if err != nil {
		d.Err = err.Error()
	}
	if err := enc.Encode(d); err != nil {
		return err
	}
	<-closed // the parent's bot polls the fake until then
	return nil
}

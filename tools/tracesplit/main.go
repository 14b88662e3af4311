// Command tracesplit reads a Go execution trace written by `tori bench
// -trace` and splits the time of the slow updates (the "update" regions
// longer than -min) into what their goroutine did: running, waiting for a
// core (runnable), in a system call, or blocked, by the reason and the tori
// functions it blocked in. It also counts the slow updates by kind (a
// hold, Confirm's payment, a week or day view, …).
//
//	go run . -min 5ms trace.out
//
// It is a module of its own (golang.org/x/exp/trace is not a dependency of
// tori itself).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/exp/trace"
)

func main() {
	minDur := flag.Duration("min", 5*time.Millisecond, "updates at least this long are split")
	top := flag.Int("top", 20, "how many lines of the split to print")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "use: tracesplit [-min 5ms] [-top 20] trace.out (from tori bench -trace trace.out)")
		os.Exit(2)
	}
	f, err := os.Open(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracesplit:", err)
		os.Exit(1)
	}
	defer f.Close()
	s, err := split(f, *minDur)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracesplit:", err)
		os.Exit(1)
	}
	s.print(os.Stdout, *top)
}

// update is an "update" region in progress on a goroutine.
type update struct {
	begin, since trace.Time
	state        string // what the goroutine is doing since since
	spent        map[string]time.Duration
	kind         string
}

type result struct {
	min   time.Duration
	n     int
	total time.Duration
	spent map[string]time.Duration
	kinds map[string]int
}

// split reads the trace and adds up the slow updates.
func split(r io.Reader, min time.Duration) (*result, error) {
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	sp := splitter{
		res:  &result{min: min, spent: map[string]time.Duration{}, kinds: map[string]int{}},
		open: map[trace.GoID]*update{},
	}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			return sp.res, nil
		}
		if err != nil {
			return nil, err
		}
		switch ev.Kind() {
		case trace.EventRegionBegin:
			sp.begin(ev)
		case trace.EventRegionEnd:
			sp.end(ev)
		case trace.EventStateTransition:
			sp.transition(ev)
		}
	}
}

// splitter follows the update regions open on each goroutine.
type splitter struct {
	res  *result
	open map[trace.GoID]*update
}

// begin opens an update region.
func (sp *splitter) begin(ev trace.Event) {
	if ev.Region().Type == "update" {
		sp.open[ev.Goroutine()] = &update{begin: ev.Time(), since: ev.Time(), state: "running", spent: map[string]time.Duration{}}
	}
}

// end closes an update region, and counts it when it was slow.
func (sp *splitter) end(ev trace.Event) {
	u := sp.open[ev.Goroutine()]
	if ev.Region().Type != "update" || u == nil {
		return
	}
	delete(sp.open, ev.Goroutine())
	u.spent[u.state] += time.Duration(ev.Time() - u.since)
	d := time.Duration(ev.Time() - u.begin)
	if d < sp.res.min {
		return
	}
	sp.res.n++
	sp.res.total += d
	sp.res.kinds[cmpOr(u.kind, "other")]++
	for k, v := range u.spent {
		sp.res.spent[k] += v
	}
}

// transition moves the goroutine of an open update to its new state.
func (sp *splitter) transition(ev trace.Event) {
	st := ev.StateTransition()
	if st.Resource.Kind != trace.ResourceGoroutine {
		return
	}
	u := sp.open[st.Resource.Goroutine()]
	if u == nil {
		return
	}
	from, to := st.Goroutine()
	if from == to {
		return // a state told again at a new trace generation, not a change
	}
	u.spent[u.state] += time.Duration(ev.Time() - u.since)
	u.since = ev.Time()
	switch to {
	case trace.GoRunning:
		u.state = "running"
	case trace.GoRunnable:
		u.state = "runnable (waiting for a core)"
	case trace.GoSyscall:
		u.state = "in a system call"
	case trace.GoWaiting:
		u.state = "blocked: " + st.Reason + " in " + toriFrames(ev.Stack())
		if u.kind == "" {
			u.kind = kindOf(ev.Stack())
		}
	default:
		u.state = to.String()
	}
}

// toriFrames names the two innermost tori functions of a stack.
func toriFrames(s trace.Stack) string {
	var out []string
	for f := range s.Frames() {
		if strings.Contains(f.Func, "tori-bot/tori") && len(out) < 2 {
			out = append(out, f.Func[strings.LastIndex(f.Func, "/")+1:])
		}
	}
	if len(out) == 0 {
		return "(no tori function)"
	}
	return strings.Join(out, " < ")
}

// kinds are the tori functions that say what an update was.
var kinds = []struct{ fn, kind string }{
	{"(*Bookings).hold", "a time pressed (a hold)"},
	{"StartPaymentOf", "Confirm (the PayPal order)"},
	{"showWeek", "a week view"},
	{"showDay", "a day view"},
	{"offerNearest", "the nearest times"},
}

func kindOf(s trace.Stack) string {
	for f := range s.Frames() {
		for _, k := range kinds {
			if strings.Contains(f.Func, k.fn) {
				return k.kind
			}
		}
	}
	return ""
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (r *result) print(w io.Writer, top int) {
	if r.n == 0 {
		fmt.Fprintf(w, "no update took %v or more\n", r.min)
		return
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(r.n) }
	fmt.Fprintf(w, "%d updates took %v or more: %.2f ms each on average\n\nby kind:\n", r.n, r.min, per(r.total))
	for _, k := range sortedKeys(r.kinds, func(k string) int64 { return int64(r.kinds[k]) }) {
		fmt.Fprintf(w, "%6d  %s\n", r.kinds[k], k)
	}
	fmt.Fprintf(w, "\nwhere the time went (ms per update):\n")
	keys := sortedKeys(r.spent, func(k string) int64 { return int64(r.spent[k]) })
	for _, k := range keys[:min(top, len(keys))] {
		fmt.Fprintf(w, "%8.2f  %s\n", per(r.spent[k]), k)
	}
}

func sortedKeys[V any](m map[string]V, by func(string) int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if x, y := by(a), by(b); x != y {
			if x > y {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

package web

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// hashMemory is what one argon2id password check holds (store.HashPassword's
// cost: 64 MiB).
const hashMemory = 64 << 20

// hashWait is how long a sign-in waits for a free hashing slot before it is
// answered 503: long enough for a burst of real users, short enough that a
// flood of sign-ins costs the server no more than the slots.
const hashWait = 250 * time.Millisecond

// hashSlots is how many password hashes may run at once when the
// configuration does not say: a quarter of the memory this process may use
// (GOMEMLIMIT, else the cgroup's limit, else the machine's memory), 64 MiB
// each, and no more than two per CPU (argon2id is CPU-bound: more at once
// only queue inside the scheduler while holding their memory).
func hashSlots() int {
	budget := memoryLimit() / 4
	n := int(budget / hashMemory)
	return max(1, min(n, 2*runtime.NumCPU()))
}

// memoryLimit is the memory this process may use, in bytes.
func memoryLimit() int64 {
	if l := debug.SetMemoryLimit(-1); l > 0 && l < 1<<62 {
		return l
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 {
			return n
		}
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	return 1 << 30
}

// errHashBusy answers a password check that found no free slot in time.
var errHashBusy = apiError{http.StatusServiceUnavailable, "The server is busy checking other sign-ins. Try again in a moment."}

// withHashSlot runs fn (a password hash or check) when one of the bounded
// slots is free, waiting at most hashWait for one; past that it returns
// errHashBusy without running fn.
func (s *Server) withHashSlot(ctx context.Context, fn func()) error {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case s.hashing <- struct{}{}:
	case <-t.C:
		s.log.WarnContext(ctx, "password check refused: every hashing slot is busy", "slots", cap(s.hashing))
		return errHashBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	fn()
	return nil
}

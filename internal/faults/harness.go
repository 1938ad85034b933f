// Package faults runs Switchboard the way it is deployed, as a child process
// (the real binary, `switchboard migrate` then `switchboard serve`), against a
// PostgreSQL cluster of the test's own, and breaks things around it: kill -9,
// Postgres restarts, table locks, an exhausted pool, SIGTERM, a CRM that answers
// 503 and an SMTP server that is slow to answer. The fakes (SMTP, CRM) run in
// the test process.
package faults

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

var (
	buildOnce sync.Once
	buildDir  string
	binPath   string
	buildErr  error

	tmplOnce sync.Once
	tmplDir  string
	tmplErr  error
)

// Binary builds switchboard once per test run and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() { binPath, buildErr = build() })
	if buildErr != nil {
		t.Fatalf("building switchboard: %v", buildErr)
	}
	return binPath
}

func build() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	if buildDir, err = os.MkdirTemp("", "sbfaults-bin-"); err != nil {
		return "", err
	}
	bin := filepath.Join(buildDir, "switchboard")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/switchboardhq/switchboard")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %w\n%s", root, err, out)
	}
	return bin, nil
}

// Cleanup removes the built binary and the template cluster; TestMain calls it
// after the tests.
func Cleanup() {
	for _, d := range []string{buildDir, tmplDir} {
		if d != "" {
			_ = os.RemoveAll(d)
		}
	}
}

// Postgres is a PostgreSQL cluster of one test's own, on a loopback port, with
// its socket and data in a temporary directory under /tmp (the postgres user
// must be able to reach it).
type Postgres struct {
	t    testing.TB
	bin  string
	dir  string
	Port int
}

// pgBin finds the newest PostgreSQL server binaries.
func pgBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var ok []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			ok = append(ok, d)
		}
	}
	if len(ok) == 0 {
		return "", errors.New("PostgreSQL server binaries are missing: no /usr/lib/postgresql/*/bin/initdb " +
			"(install Debian's postgresql package; 'make test' does it through scripts/pg.sh)")
	}
	sort.Slice(ok, func(i, j int) bool { return pgMajor(ok[i]) < pgMajor(ok[j]) })
	return ok[len(ok)-1], nil
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// asOwner runs a Postgres program as the cluster's owner: PostgreSQL refuses
// to run as root, so as root it runs as the postgres system user.
func asOwner(name string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	} else {
		cmd = exec.Command(name, args...)
	}
	cmd.Dir = "/"
	return cmd
}

// chownToOwner gives a directory to the postgres user when running as root.
func chownToOwner(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs the postgres system user (scripts/pg.sh creates it): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

// template makes one initialised cluster (with an empty switchboard database)
// per test run; each test copies it, which is much cheaper than initdb.
func template() (string, error) {
	bin, err := pgBin()
	if err != nil {
		return "", err
	}
	if tmplDir, err = os.MkdirTemp("", "sbfaults-tmpl-"); err != nil {
		return "", err
	}
	if err := os.Chmod(tmplDir, 0o755); err != nil {
		return "", err
	}
	if err := chownToOwner(tmplDir); err != nil {
		return "", err
	}
	data := filepath.Join(tmplDir, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		return "", err
	}
	if err := chownToOwner(data); err != nil {
		return "", err
	}
	if out, err := asOwner(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		return "", fmt.Errorf("initdb: %w\n%s", err, out)
	}
	p := &Postgres{bin: bin, dir: tmplDir}
	if p.Port, err = freePort(); err != nil {
		return "", err
	}
	if err := p.start(); err != nil {
		return "", err
	}
	out, cerr := asOwner(filepath.Join(bin, "createdb"), "-h", tmplDir, "-p", strconv.Itoa(p.Port), "-U", "postgres", "switchboard").CombinedOutput()
	if err := p.stop("fast"); err != nil {
		return "", err
	}
	if cerr != nil {
		return "", fmt.Errorf("createdb: %w\n%s", cerr, out)
	}
	_ = os.Remove(filepath.Join(tmplDir, "postgres.log"))
	return tmplDir, nil
}

// StartPostgres starts a cluster for the test; it is stopped (immediately) and
// removed when the test ends.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	bin, err := pgBin()
	if err != nil {
		t.Fatal(err)
	}
	tmplOnce.Do(func() { _, tmplErr = template() })
	if tmplErr != nil {
		t.Fatalf("preparing a template PostgreSQL cluster: %v", tmplErr)
	}
	dir, err := os.MkdirTemp("", "sbfaults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chownToOwner(dir); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", filepath.Join(tmplDir, "data"), filepath.Join(dir, "data")).CombinedOutput(); err != nil {
		t.Fatalf("copying the template cluster: %v\n%s", err, out)
	}
	p := &Postgres{t: t, bin: bin, dir: dir}
	for i := 0; ; i++ {
		if p.Port, err = freePort(); err != nil {
			t.Fatal(err)
		}
		if err = p.start(); err == nil || i == 2 {
			break // another process may take the port between our check and the start
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("postgres log (last 40 lines):\n%s", tail(p.Log(), 40))
		}
		_ = p.stop("immediate")
	})
	return p
}

// URL is the switchboard database's connection string.
func (p *Postgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/switchboard?sslmode=disable", p.Port)
}

// Pool opens a small pool on the switchboard database for the test's own
// queries (it reconnects by itself after a restart).
func (p *Postgres) Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(p.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Log is the cluster's server log.
func (p *Postgres) Log() string {
	b, _ := os.ReadFile(filepath.Join(p.dir, "postgres.log"))
	return string(b)
}

func (p *Postgres) start() error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=32MB "+
		"-c fsync=off -c max_wal_size=1GB", p.Port, p.dir)
	out, err := asOwner(filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "postgres.log"),
		"-w", "-t", "60", "-o", opts, "start").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl start on port %d: %w\n%s\n%s", p.Port, err, out, tail(p.Log(), 20))
	}
	return nil
}

func (p *Postgres) stop(mode string) error {
	out, err := asOwner(filepath.Join(p.bin, "pg_ctl"), "-D", filepath.Join(p.dir, "data"), "-m", mode, "-w", "-t", "60", "stop").CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl stop -m %s: %w\n%s", mode, err, out)
	}
	return nil
}

// Stop stops the cluster: mode "fast" (sessions terminated, clean shutdown) or
// "immediate" (a crash: recovery runs at the next start).
func (p *Postgres) Stop(mode string) {
	p.t.Helper()
	if err := p.stop(mode); err != nil {
		p.t.Fatal(err)
	}
}

// Start starts a stopped cluster and returns when it accepts connections.
func (p *Postgres) Start() {
	p.t.Helper()
	if err := p.start(); err != nil {
		p.t.Fatal(err)
	}
}

// Restart stops the cluster in mode, waits down, and starts it again.
func (p *Postgres) Restart(mode string, down time.Duration) {
	p.t.Helper()
	p.Stop(mode)
	time.Sleep(down)
	p.Start()
}

// freePort picks a loopback port for a server the test starts later, and
// restarts on the same port after a kill or a Postgres restart. It picks
// below Linux's ephemeral range (32768–60999 by default): a port the kernel
// handed out for ":0" can be taken by any outgoing connection between the
// check and the server's bind (or while the server is down), which once
// failed TestKill9DuringJobs with "address already in use". Ports here are
// only ever taken by listeners that ask for them by number.
func freePort() (int, error) {
	var err error
	for range 200 {
		port := 20000 + rand.IntN(12000)
		var ln net.Listener
		if ln, err = net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			ln.Close()
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port below the ephemeral range: %w", err)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Server is `switchboard serve` as a child process. Its stdout and stderr go
// to one log file across restarts; the test greps it and prints it on failure.
type Server struct {
	t       testing.TB
	bin     string
	env     []string
	Addr    string // host:port it listens on, the same across restarts
	URL     string // http://Addr
	LogPath string

	mu     sync.Mutex
	cmd    *exec.Cmd
	done   chan struct{}
	starts int
}

// NewServer runs `switchboard migrate` against pg and starts `switchboard
// serve` with env (KEY=VALUE on top of the harness's own), waiting for /readyz.
// The process is killed when the test ends.
func NewServer(t testing.TB, pg *Postgres, env map[string]string) *Server {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	logDir := t.TempDir()
	s := &Server{t: t, bin: Binary(t), Addr: fmt.Sprintf("127.0.0.1:%d", port), LogPath: filepath.Join(logDir, "switchboard.log")}
	s.URL = "http://" + s.Addr
	base := map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": os.TempDir(), "DATABASE_URL": pg.URL(), "LISTEN_ADDR": s.Addr,
		"APP_ENV": "development", "BASE_URL": s.URL, "STRIPE_WEBHOOK_SECRET": Secret, "LOG_LEVEL": "info",
		"CRM_PROVIDER": "none", "MAIL_FROM": "Switchboard <hello@switchboard.test>",
	}
	for k, v := range env {
		base[k] = v
	}
	for k, v := range base {
		s.env = append(s.env, k+"="+v)
	}
	sort.Strings(s.env)
	t.Cleanup(func() {
		s.mu.Lock()
		cmd, done := s.cmd, s.done
		s.mu.Unlock()
		if cmd != nil {
			select {
			case <-done:
			default:
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			t.Logf("switchboard log %s (last 80 lines):\n%s", s.LogPath, tail(s.Log(), 80))
			if dir := os.Getenv("FAULTS_KEEP_LOGS"); dir != "" {
				// The whole log, for a failure the tail does not explain.
				keep := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".log")
				if err := os.WriteFile(keep, []byte(s.Log()), 0o644); err == nil {
					t.Logf("whole switchboard log kept at %s", keep)
				}
			}
		}
	})
	if out, err := s.Run("migrate"); err != nil {
		t.Fatalf("switchboard migrate: %v\n%s", err, out)
	}
	s.Start()
	return s
}

// Run runs a one-off switchboard command with the server's environment.
func (s *Server) Run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Start starts serve and waits (up to 60 s) until /readyz answers 200.
func (s *Server) Start() {
	s.t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		select {
		case <-s.done:
		default:
			s.mu.Unlock()
			s.t.Fatal("Start: the server is still running")
		}
	}
	f, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		s.t.Fatal(err)
	}
	s.starts++
	fmt.Fprintf(f, "=== faults: start %d at %s\n", s.starts, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = s.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		s.mu.Unlock()
		s.t.Fatalf("starting switchboard serve: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	s.cmd, s.done = cmd, done
	s.mu.Unlock()
	if err := s.waitReady(60 * time.Second); err != nil {
		s.t.Fatalf("switchboard serve: %v", err)
	}
}

func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("exited before it was ready (%s)", s.cmd.ProcessState)
		default:
		}
		if code, _, err := get(s.URL+"/readyz", 2*time.Second); err == nil && code == 200 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("/readyz did not answer 200 within %s", timeout)
}

// Kill sends SIGKILL and waits for the process to be gone.
func (s *Server) Kill() {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatalf("kill -9: %v", err)
	}
	<-done
	s.logLine("killed with SIGKILL")
}

// Term sends SIGTERM and waits (up to 2 minutes) for the process to exit; it
// returns the exit code and how long the exit took.
func (s *Server) Term() (int, time.Duration) {
	s.t.Helper()
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		<-done
		s.t.Fatalf("switchboard did not exit within 2 minutes of SIGTERM")
	}
	return cmd.ProcessState.ExitCode(), time.Since(start)
}

// Exited reports whether the process has ended.
func (s *Server) Exited() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

func (s *Server) logLine(msg string) {
	if f, err := os.OpenFile(s.LogPath, os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintf(f, "=== faults: %s at %s\n", msg, time.Now().Format(time.RFC3339Nano))
		f.Close()
	}
}

// Log is everything the server wrote so far, across restarts.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogPath)
	return string(b)
}
